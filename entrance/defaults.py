"""The texts visitors read until moderators write their own (Markdown, by language).

The community's own words (its first article, 「知る、繋がるをどう作るか」) are the default of
"what the community is". `{settings_url}` is replaced by the settings page's address."""

from .choices import TextKind

ABOUT_JA = """\
## 「自分に出来ることをしたい」人の入り口

NPOなど社会課題解決を仕事にする人、仕事にしたい人、日常のなかで出来る形・出来る範囲で社会貢献を\
してみたい人、「社会貢献ってなんだろう？」と考えている人。多様な想いと背景をもつ人が集まるコミュニティです。

目指しているのは、「一人一人の想い、やりたいをアップデートしていく」こと。\
「こんなことしてみたい」というアイディアをみんなで一緒に考えて、一つずつ形にしていきます。

- Slackでの情報交換、雑談、企画相談
- オンラインの交流会・勉強会
- メンバーによる自主企画

一人一人にあった関わり方、ペースやタイミングがあります。絶対的なものも正解もありません。\
まずは「一歩踏み出す、繋がる、知る、共有する」。そんな場になったらと思っています。
"""

ABOUT_EN = """\
## A way in for people who want to do what they can

People who work on social issues, at an NPO or elsewhere, people who would like to, people who \
want to contribute in their own way and within their own means, and people still asking \
“what does contributing even mean?”: a community of many hopes and backgrounds.

What we aim for: to help each person’s hopes and “I’d like to try this” take their next step. \
We think ideas through together and turn them, one at a time, into something real.

- Sharing news, chatting and planning together on Slack
- Online meetups and study sessions
- Projects our members start themselves

Everyone has their own way, pace and timing of taking part, and there is no single right answer. \
First: take a step, connect, learn, share.
"""

PRIVACY_JA = """\
## このサービスが保存するもの

- **アカウント**：ユーザー名、メールアドレス、パスワード（元に戻せない形で）。
- **プロフィール**：表示名、自己紹介、関心のあるテーマ、得意なこと、都合のよい時間、言語とタイムゾーン。\
どれも任意で、誰に見せるかは設定で選べます。
- **参加の記録**：投稿した「やってみたい」、コメント、応援、フォロー、チームへの参加、交流会への出欠、通知。
- **連携**：Slackを連携した場合はSlackのユーザーID。APIトークンは元に戻せない形でのみ保存します。
- **参加の申し込み**：申し込みのときに書いていただいたお名前、メールアドレス、呼び名、関心、\
やってみたいこと、知ったきっかけ。モデレーターがご案内のためだけに使います。

## 誰が見られるか

コミュニティの外の方が見られるのは、提案者が訪問者への公開を選んだ提案のタイトル、ひとこと紹介、\
段階、募集中の役割と、主催者が公開を選んだ交流会の名前・種類・日時だけです。\
名前は「訪問者に名前を表示する」を選んだメンバーのものだけが表示され、それ以外は「メンバー」と表示されます。\
コメント、チーム、場所やオンラインのリンクは、コミュニティの外には表示されません。

## ご自身のデータ

メンバーはいつでも、[設定]({settings_url})から自分のデータをダウンロードしたり、アカウントを削除したりできます。\
削除すると個人のデータは消え、書いたものは名前を外して残ります。
"""

PRIVACY_EN = """\
## What this service keeps

- **Your account**: username, email address and password (in a form that can’t be turned back).
- **Your profile**: display name, self-introduction, interests, skills, availability, language \
and time zone. All optional; your settings say who sees them.
- **What you do here**: ideas you post, comments, cheers, follows, the teams you join, your \
answers to meetups, your notifications.
- **Connections**: your Slack user id if you link Slack. API tokens are kept only in a form that \
can’t be turned back.
- **Asking to join**: what you wrote when you asked to join (your name, email address, what to \
call you, interests, what you would like to try, how you found us), read by the moderators only \
to welcome you.

## Who sees what

People outside the community see only the title, summary, stage and open roles of proposals \
their proposer chose to show, and the name, kind and time of meetups their hosts chose to show. \
They see the names only of members who chose “show my name to visitors”; everyone else is \
“a member”. Comments, teams, places and online links are never shown outside the community.

## Your data

Members can download their data and delete their account at any time on the \
[settings page]({settings_url}). Deleting removes your personal data; what you wrote stays, \
without your name.
"""

DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    TextKind.ABOUT: {"ja": ABOUT_JA, "en": ABOUT_EN},
    TextKind.PRIVACY: {"ja": PRIVACY_JA, "en": PRIVACY_EN},
}
