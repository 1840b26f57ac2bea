"""The demo community: warm members, a story per proposal, and a bulk generator for benchmarks.

`seed_community()` tells each story through the real services (proposal_submit, proposal_transition,
membership_request/accept, comment_create, cheer_set), so every row, count, follow, transition log,
event and notification is one the app itself would write. Each step is then dated to when it
happened in the story (`backdate_step`), so the board and the timelines show a community that has
been alive for the past eight weeks. The history's emails are marked skipped, not left for a worker
to send today (`settle_past_email`), and the members have read all but their few newest
notifications (`mark_past_notifications_read`).

`bulk_seed_proposals(n)` is the one bulk path (benchmarks, big boards): bulk inserts that keep the
same invariants, without events. `bulk_seed_members(n)` is its counterpart for members (benchmarks,
a big members page): profiles as the profile service saves them, checked field by field.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from members.models import MODERATORS_GROUP, ProfileVisibility, User
from members.services import clean_interests, profile_update
from workers.events import Channel
from workers.models import Delivery, DeliveryStatus, Event

from . import services
from .choices import ACTIVE_STATUSES, PROPOSER_ROLE, SUGGESTED_THEMES, MembershipStatus, Status
from .markdown import render_markdown
from .models import (
    Cheer,
    Comment,
    Follow,
    Membership,
    Proposal,
    RoleWanted,
    Tag,
    TransitionLog,
)
from .selectors import BOARD_QUIET_AFTER

DEMO_PASSWORD = "demo-pass-2026"
KEY_PREFIX = "demo:"
# How far back the demo's history goes: stories and bulk proposals all happened in these weeks.
HISTORY = timedelta(weeks=8)


@dataclass(frozen=True)
class DemoMember:
    username: str
    display_name: str
    bio: str
    interests: tuple[str, ...]
    skills: str
    availability: str
    language: str = "ja"
    moderator: bool = False
    show_name_to_visitors: bool = False


MEMBERS: tuple[DemoMember, ...] = (
    DemoMember(
        "sakura",
        "森 さくら",
        "コミュニティの運営をしています。NPOの中間支援団体で働きながら、"
        "みんなの「やってみたい」が一歩進む場づくりを続けています。迷ったら気軽に声をかけてください。",
        ("地域づくり", "学び合い", "ファンドレイジング"),
        "ファシリテーション、イベント運営、NPOの組織づくり",
        "平日の夜と週末に、週3時間くらい",
        moderator=True,
    ),
    DemoMember(
        "haruto",
        "田中 陽翔",
        "子ども支援のNPOで働いて5年目です。子ども食堂の現場で、地域の大人が少しずつ関われる"
        "仕組みを考えています。",
        ("子ども・教育", "福祉", "地域づくり"),
        "子ども食堂の運営、ボランティアコーディネート",
        "週末に2時間くらい",
        show_name_to_visitors=True,
    ),
    DemoMember(
        "yui",
        "佐藤 結衣",
        "大学3年生です。学生団体で国際協力のスタディツアーを企画していました。"
        "NPOで働くってどういうことか、いろんな人の話を聞いてみたいです。",
        ("国際協力", "子ども・教育", "広報・デザイン"),
        "SNSでの発信、英語、動画編集",
        "授業のない水曜の午後と週末",
        show_name_to_visitors=True,
    ),
    DemoMember(
        "kenji",
        "鈴木 健二",
        "Webエンジニアです。仕事で身につけたことを社会課題の現場で使ってみたくて参加しました。"
        "小さなツールづくりならお手伝いできます。",
        ("IT・デジタル", "防災"),
        "Python、Django、データ分析、ノーコードツール",
        "週末に2時間くらい",
    ),
    DemoMember(
        "aoi",
        "高橋 葵",
        "フリーランスでデザインをしています。伝えたい想いがあるのに届け方で困っている団体の"
        "力になれたらうれしいです。",
        ("広報・デザイン", "環境"),
        "チラシ・ロゴ・Webのデザイン、Figma",
        "月に5時間ほど(締切前は少なめです)",
    ),
    DemoMember(
        "takumi",
        "伊藤 拓海",
        "メーカーで経理をしている会社員です。寄付やクラウドファンディングの仕組みに興味があり、"
        "数字の面で誰かの挑戦を支えたいと思っています。",
        ("ファンドレイジング", "地域づくり"),
        "会計、予算づくり、クラウドファンディングの経験",
        "平日の夜に1時間ずつ",
    ),
    DemoMember(
        "mei",
        "渡辺 芽衣",
        "保育士です。絵本と手遊びが大好き。仕事以外の場所でも、子どもたちがほっとできる"
        "居場所づくりに関わりたいです。",
        ("子ども・教育", "学び合い"),
        "絵本の読み聞かせ、手遊び、保護者とのコミュニケーション",
        "土曜の午前中",
    ),
    DemoMember(
        "sota",
        "山本 蒼太",
        "防災士の資格を取って、地方に移住しました。防災を「怖い話」ではなく、"
        "楽しく自分ごとにできる企画を考えています。",
        ("防災", "地域づくり", "環境"),
        "防災ワークショップの進行、まち歩き、地図づくり",
        "オンラインなら平日の夜いつでも",
    ),
    DemoMember(
        "rina",
        "中村 里奈",
        "介護福祉士として高齢者施設で働いています。世代をこえて人がつながる場面に立ち会うのが"
        "好きです。",
        ("福祉", "学び合い"),
        "傾聴、レクリエーションの企画",
        "シフト制なので月に数回。前もって言ってもらえれば調整します",
    ),
    DemoMember(
        "emily",
        "Emily Carter",
        "I teach English in Yokohama and volunteer with kids who have roots abroad. "
        "日本語はゆっくりなら大丈夫です。Happy to help with anything international!",
        ("国際協力", "子ども・教育"),
        "English, translation, workshop facilitation",
        "Weekends, about 2 hours",
        language="en",
    ),
)


@dataclass(frozen=True)
class Story:
    """One demo proposal and what happened to it, oldest first."""

    key: str
    proposer: str
    title: str
    summary: str
    body: str
    tags: tuple[str, ...]
    roles: tuple[tuple[str, int, str], ...]
    path: tuple[str, ...]  # the stages it moved through after being submitted
    age_days: int  # days since it was proposed (at most HISTORY)
    quiet_days: int  # days since the last activity; its steps are spread evenly in between
    team: tuple[tuple[str, str], ...] = ()  # (username, role), accepted
    pending: tuple[tuple[str, str], ...] = ()  # (username, role), waiting for an answer
    comments: tuple[tuple[str, str], ...] = ()  # (username, text)
    cheers: tuple[str, ...] = ()
    outcome: str = ""
    archive_reason: str = ""
    moved_by: str = ""  # who moves it through the lifecycle, if not the proposer

    @property
    def submission_key(self) -> str:
        return KEY_PREFIX + self.key


# The stories their proposers chose to show to visitors on the public page (issue 16), one in each
# stage that visitors see, and one that was paused (and so is no longer shown).
SHOWN_TO_VISITORS = frozenset(
    {"podcast", "bousai-walk", "monthly-meetup", "homework-help", "rice-bank", "first-meetup"}
    | {"beach-art"}
)

_D, _T, _R, _F = Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING, Status.DONE
_A, _I = Status.ARCHIVED, Status.IDEA

STORIES: tuple[Story, ...] = (
    # -- idea -------------------------------------------------------------------------------
    Story(
        "podcast",
        "yui",
        "NPOで働く人に話を聞くポッドキャスト",
        "NPOで働く人の一日や想いを、30分の音声で届けたい。",
        "「NPOってどんな仕事？」と聞かれても、うまく答えられませんでした。\n\n"
        "現場で働く人の声をそのまま届けられたら、関わるきっかけになると思います。\n\n"
        "- 月1回、30分くらい\n- 収録はオンライン\n- 編集はできる範囲で",
        ("学び合い", "広報・デザイン"),
        (("聞き手", 1, "月1回・1時間"), ("編集", 1, "月2時間")),
        (),
        age_days=4,
        quiet_days=1,
        comments=(
            ("haruto", "ぜひ話したいです！子ども食堂の裏側、けっこう面白いですよ。"),
            ("sakura", "素敵！交流会でも紹介させてください。"),
        ),
        cheers=("sakura", "haruto", "emily"),
    ),
    Story(
        "letters",
        "rina",
        "介護施設と地域の子どもの手紙交換",
        "施設のおじいちゃん・おばあちゃんと、近くの小学生が季節の手紙をやりとりする。",
        "コロナの頃から面会が減って、施設の中が少しさみしくなりました。"
        "手紙なら無理なく続けられそうです。",
        ("福祉", "子ども・教育"),
        (),
        (),
        age_days=12,
        quiet_days=10,
        cheers=("mei",),
    ),
    Story(
        "npo-map",
        "kenji",
        "寄付先を探せるNPOマップ",
        "地域のNPOを地図で探して、活動内容と寄付の方法がわかるページを作りたい。",
        "オープンデータの法人情報を使えば、最初の版は週末で作れそうです。",
        ("IT・デジタル", "ファンドレイジング"),
        (("エンジニア", 1, "週末2時間"),),
        (),
        age_days=50,
        quiet_days=36,
        comments=(("takumi", "寄付の受け付け方法がまとまっているだけでもすごく助かります。"),),
    ),
    Story(
        "easy-japanese",
        "emily",
        "やさしい日本語と英語のボランティア募集文",
        "外国ルーツの人も応募しやすいボランティア募集文のテンプレートを作りたい。",
        "Many people want to volunteer but the recruiting pages are hard to read. "
        "Let's make a template in やさしい日本語 and English.",
        ("国際協力", "広報・デザイン"),
        (),
        (),
        age_days=6,
        quiet_days=6,
        cheers=("yui",),
    ),
    Story(
        "picture-books",
        "mei",
        "オンライン絵本の読み聞かせ会",
        "週末の朝に、オンラインで絵本を読む15分の会をひらきたい。",
        "一度お休みしましたが、やっぱりやりたくなりました。",
        ("子ども・教育",),
        (),
        (_D, _A, _I),
        age_days=54,
        quiet_days=16,
        comments=(("emily", "英語の絵本の回もできたら楽しそう！"),),
        archive_reason="保育園の行事が重なる時期なので、いったんお休みします。また声をかけます。",
    ),
    # -- discussion --------------------------------------------------------------------------
    Story(
        "volunteer-signup",
        "haruto",
        "子ども食堂のボランティア参加をもっと気軽に",
        "1回だけ・1時間だけでも参加できる仕組みを一緒に考えたい。",
        "## 困っていること\n\n毎回同じ人に負担が集まっていて、新しい人が入りにくい雰囲気があります。\n\n"
        "## やってみたいこと\n\n- 1回だけ参加できる枠\n- 当日の役割カード\n- 終わったあとの5分のふりかえり",
        ("子ども・教育", "地域づくり"),
        (("コーディネーター", 1, "月2回"),),
        (_D,),
        age_days=20,
        quiet_days=2,
        comments=(
            ("mei", "役割カード、保育園でも似たことをしています。見本を持っていきますね。"),
            ("rina", "施設のボランティアも同じ悩みがあります。一緒に考えたいです。"),
            ("sakura", "「一度だけ参加」をちゃんと歓迎する言葉があるといいですよね。"),
            ("haruto", "ありがとうございます！来週オンラインで30分話しませんか。"),
        ),
        cheers=("mei", "rina", "sakura", "takumi"),
    ),
    Story(
        "bousai-walk",
        "sota",
        "防災を自分ごとにするまち歩きワークショップ",
        "地図を片手に近所を歩いて、避難の道と「あったら助かるもの」を探す。",
        "",
        ("防災", "地域づくり"),
        (("当日スタッフ", 2, "当日3時間"),),
        (_D,),
        age_days=27,
        quiet_days=5,
        comments=(("kenji", "歩いた記録を地図アプリにまとめるのを手伝えます。"),),
        cheers=("kenji", "haruto"),
    ),
    Story(
        "fundraising-study",
        "takumi",
        "はじめてのファンドレイジング勉強会",
        "NPOのファンドレイザーを呼んで、寄付集めの基本を教わる会をひらきたい。",
        "寄付をお願いするのが苦手、という声をよく聞きます。まずは知ることから。",
        ("ファンドレイジング", "学び合い"),
        (("企画", 1, "月2時間"),),
        (_D,),
        age_days=48,
        quiet_days=34,
        comments=(("sakura", "講師の方、何人か紹介できます！"),),
        cheers=("sakura",),
    ),
    Story(
        "design-clinic",
        "aoi",
        "NPOの広報物デザイン相談会",
        "チラシやWebの「伝わらない」を、デザイナーが一緒に考える相談会。",
        "リデザインを丸ごと引き受けるのではなく、団体の人が自分で直せるようになるのが目標です。",
        ("広報・デザイン",),
        (("デザイナー", 2, "月1回・2時間"),),
        (_D,),
        age_days=15,
        quiet_days=3,
        comments=(
            ("haruto", "子ども食堂のチラシ、ぜひ見てほしいです……!"),
            ("yui", "SNS用の画像の相談もできたらうれしいです。"),
        ),
        cheers=("haruto", "yui", "sakura"),
    ),
    Story(
        "student-match",
        "yui",
        "学生とNPOの出会いの交流会",
        "NPOに関わりたい学生と、人手がほしいNPOが気軽に話せる場をつくる。",
        "チームを集め始めましたが、内容をもう少し詰めることにしました。",
        ("学び合い", "国際協力"),
        (("企画", 2, "月3時間"),),
        (_D, _T, _D),
        age_days=38,
        quiet_days=8,
        comments=(("sakura", "まずは小さく、オンライン30分から始めるのもありかも。"),),
        cheers=("sakura", "emily"),
    ),
    # -- team forming ------------------------------------------------------------------------
    Story(
        "monthly-meetup",
        "sakura",
        "月1回のオンライン交流会をみんなで運営する",
        "交流会の運営を持ち回りにして、いろんな人が場づくりを経験できるようにしたい。",
        "司会・タイムキーパー・記録を毎回交代で。はじめての人にはペアで入ります。",
        ("学び合い", "地域づくり"),
        (("運営", 3, "月1回・2時間"),),
        (_D, _T),
        age_days=25,
        quiet_days=1,
        team=(("haruto", "運営"),),
        pending=(("rina", "運営"), ("emily", "運営")),
        comments=(("emily", "English-friendly な回があってもいいですね。"),),
        cheers=("haruto", "yui", "mei"),
    ),
    Story(
        "weekly-digest",
        "kenji",
        "コミュニティの情報を週1回まとめて届ける",
        "Slackで流れてしまうイベント情報や募集を、週1回のまとめにする。",
        "",
        ("IT・デジタル", "広報・デザイン"),
        (("編集", 2, "週1時間"), ("デザイナー", 1, "月2時間")),
        (_D, _T),
        age_days=18,
        quiet_days=4,
        team=(("yui", "編集"),),
        pending=(("aoi", "デザイナー"),),
        cheers=("sakura",),
    ),
    Story(
        "after-school",
        "mei",
        "公民館で週1回の放課後の居場所",
        "宿題をしたり、ただおしゃべりしたりできる、放課後の居場所をつくりたい。",
        "学習支援というより「居ていい場所」。ボランティアは見守りが中心です。",
        ("子ども・教育", "地域づくり"),
        (("見守りボランティア", 3, "週1回・2時間"),),
        (_D, _T),
        age_days=33,
        quiet_days=6,
        team=(("haruto", "見守りボランティア"), ("emily", "見守りボランティア")),
        pending=(("yui", "見守りボランティア"),),
        comments=(
            ("haruto", "公民館の予約、地域の知り合いに聞いてみます。"),
            ("rina", "施設の近くなので、たまに顔を出せるかもしれません。"),
        ),
        cheers=("haruto", "rina", "sakura", "emily"),
    ),
    Story(
        "charity-market",
        "takumi",
        "古着を集めて寄付をつくるチャリティーマーケット",
        "古着を集めて販売し、売上を地域のNPOに寄付する。",
        "",
        ("ファンドレイジング", "環境"),
        (("当日スタッフ", 3, "当日4時間"), ("会計", 1, "月1時間")),
        (_D, _T),
        age_days=52,
        quiet_days=33,
        team=(("aoi", "当日スタッフ"),),
        cheers=("aoi",),
    ),
    Story(
        "homework-help",
        "emily",
        "外国ルーツの子どもの宿題サポート",
        "日本語の宿題に困っている子どもたちを、週末にオンラインで手伝う。",
        "Parents told me homework in Japanese is the hardest part. Even 30 minutes helps.",
        ("国際協力", "子ども・教育"),
        (("サポーター", 3, "週末1時間"),),
        (_D, _T),
        age_days=26,
        quiet_days=2,
        pending=(("mei", "サポーター"), ("yui", "サポーター")),
        comments=(("yui", "英語と日本語の両方で説明できるので、ぜひ！"),),
        cheers=("mei", "yui"),
    ),
    # -- running -----------------------------------------------------------------------------
    Story(
        "rice-bank",
        "haruto",
        "子ども食堂の「お米バンク」",
        "家で余っているお米を集めて、子ども食堂に届ける仕組み。",
        "回収ボックスを3か所に置いて、月1回集めています。",
        ("子ども・教育", "福祉"),
        (("回収スタッフ", 2, "月1回"), ("会計", 1, "月1時間")),
        (_D, _T, _R),
        age_days=56,
        quiet_days=3,
        team=(("mei", "回収スタッフ"), ("sota", "回収スタッフ"), ("takumi", "会計")),
        comments=(
            ("takumi", "先月は42kg集まりました！収支メモを共有しますね。"),
            ("sota", "駅前のボックス、雨の日用にフタを付けました。"),
            ("haruto", "みなさんありがとう。食堂の子どもたちからお礼の絵が届きました。"),
        ),
        cheers=("sakura", "rina", "yui", "aoi", "emily"),
    ),
    Story(
        "local-zine",
        "aoi",
        "地域のNPOを紹介するZINEをつくる",
        "手に取りやすい小冊子で、近所のNPOの活動と人を紹介する。",
        "",
        ("広報・デザイン", "地域づくり"),
        (("取材・執筆", 2, "月3時間"), ("翻訳", 1, "月2時間")),
        (_D, _T, _R, _T, _R),
        age_days=49,
        quiet_days=9,
        team=(("yui", "取材・執筆"), ("emily", "翻訳")),
        comments=(("yui", "2団体の取材が終わりました。写真もいい感じです。"),),
        cheers=("sakura", "haruto"),
    ),
    Story(
        "stockpile-check",
        "sota",
        "マンションの防災備蓄チェックリスト",
        "家族の人数を入れると、備蓄の目安がわかるチェックリストを作る。",
        "",
        ("防災", "IT・デジタル"),
        (("エンジニア", 1, "週末2時間"),),
        (_D, _T, _R),
        age_days=40,
        quiet_days=12,
        team=(("kenji", "エンジニア"),),
        comments=(("kenji", "試作版ができました。スマホでも見やすくしています。"),),
        cheers=("haruto",),
    ),
    Story(
        "smartphone-class",
        "rina",
        "高齢者のためのスマホ教室",
        "施設や地域のおじいちゃん・おばあちゃんに、家族とビデオ通話する方法を伝える。",
        "",
        ("福祉", "IT・デジタル"),
        (("講師", 2, "月1回・2時間"),),
        (_D, _T, _R),
        age_days=53,
        quiet_days=32,
        team=(("kenji", "講師"), ("yui", "講師")),
        cheers=("sakura", "mei"),
    ),
    Story(
        "book-club",
        "yui",
        "社会課題の本を読む読書会",
        "月1回、1冊の本を入り口に、社会課題についてゆるく話す。",
        "読んでこなくても参加OK。感想をひとことずつ。",
        ("学び合い",),
        (("進行", 1, "月1回"), ("参加者", 3, "月1回・1時間")),
        (_D, _T, _R),
        age_days=44,
        quiet_days=7,
        team=(("sakura", "進行"), ("rina", "参加者"), ("mei", "参加者")),
        comments=(("rina", "先月の本、職場でも紹介しました。"),),
        cheers=("haruto", "kenji"),
    ),
    # -- done --------------------------------------------------------------------------------
    Story(
        "first-meetup",
        "sakura",
        "第1回 ソーシャルセクター交流会(オンライン)",
        "NPOで働く人も、関わってみたい人も、まずは顔を合わせて話す会。",
        "",
        ("学び合い", "地域づくり"),
        (("運営", 2, "当日2時間"),),
        (_D, _T, _R, _F),
        age_days=56,
        quiet_days=38,
        team=(("haruto", "運営"), ("yui", "運営")),
        comments=(("yui", "ブレイクアウトでの自己紹介、すごくよかったです！"),),
        cheers=("haruto", "yui", "kenji", "mei", "rina", "takumi"),
        outcome="23人が参加。テーマ別に話したら共通点が見つかって、その場で3つの自主企画が"
        "生まれました。次回は時間を少し長めにします。",
    ),
    Story(
        "forms-workshop",
        "kenji",
        "NPO向けGoogleフォーム講座",
        "申込フォームと集計を自動化して、事務作業を少し楽にする90分の講座。",
        "",
        ("IT・デジタル", "学び合い"),
        (("アシスタント", 1, "当日2時間"),),
        (_D, _T, _R, _F),
        age_days=47,
        quiet_days=30,
        team=(("takumi", "アシスタント"),),
        cheers=("haruto", "sakura"),
        outcome="4団体が参加。申込の集計にかかっていた時間が週1時間ほど減ったと聞きました。"
        "資料は誰でも使えるように公開しています。",
    ),
    Story(
        "shaved-ice",
        "haruto",
        "夏休みの子ども食堂でかき氷の日",
        "夏休みの子ども食堂で、かき氷と縁日遊びの日をつくる。",
        "",
        ("子ども・教育",),
        (("当日スタッフ", 3, "当日3時間"),),
        (_D, _T, _R, _F),
        age_days=45,
        quiet_days=27,
        team=(("mei", "当日スタッフ"), ("sota", "当日スタッフ"), ("emily", "当日スタッフ")),
        comments=(("mei", "子どもたちの笑顔が最高でした。来年もやりたい！"),),
        cheers=("sakura", "rina", "aoi"),
        outcome="子ども38人、大人15人が来てくれました。はじめてのボランティアさんが5人。"
        "役割を小さく分けたのがよかったです。",
    ),
    Story(
        "english-cafe",
        "emily",
        "ボランティアのためのEnglish café",
        "国際協力に関わりたい人が、英語で気軽に話す練習をする会。",
        "",
        ("国際協力", "学び合い"),
        (("進行", 1, "月1回"),),
        (_D, _T, _R, _F),
        age_days=55,
        quiet_days=22,
        team=(("yui", "進行"),),
        cheers=("sakura", "kenji"),
        outcome="全6回、のべ40人が参加しました。英語が苦手でも大丈夫な雰囲気を"
        "みんなで作れたのが一番の収穫です。",
    ),
    # -- archived ----------------------------------------------------------------------------
    Story(
        "furusato",
        "takumi",
        "ふるさと納税でNPOを応援する方法を調べる",
        "ふるさと納税を使ってNPOを応援できる自治体を調べてまとめる。",
        "",
        ("ファンドレイジング",),
        (),
        (_D, _A),
        age_days=50,
        quiet_days=35,
        comments=(("sakura", "調べてくれたメモだけでも、ほかの人の役に立ちそう。"),),
        archive_reason="制度が思ったより複雑で、いまは手が回らないのでいったんお休みします。"
        "メモは残しておきます。",
    ),
    Story(
        "beach-art",
        "aoi",
        "海岸清掃×アート",
        "海岸で拾ったものでアート作品をつくり、展示する。",
        "",
        ("環境", "広報・デザイン"),
        (("当日スタッフ", 4, "当日3時間"),),
        (_D, _T, _A),
        age_days=54,
        quiet_days=40,
        team=(("sota", "当日スタッフ"),),
        cheers=("sota", "yui"),
        archive_reason="寒い季節になったので、春にもう一度呼びかけます。",
    ),
    Story(
        "care-cafe",
        "rina",
        "介護の悩みを話せるオンラインカフェ",
        "家族の介護をしている人が、夜に少しだけ話せる場をつくる。",
        "",
        ("福祉",),
        (),
        (_A,),
        age_days=36,
        quiet_days=31,
        moved_by="sakura",
        archive_reason="提案者の里奈さんと相談して、いまは無理をしないことにしました。"
        "落ち着いたらまた一緒に考えましょう。",
    ),
    Story(
        "bousai-camp",
        "sota",
        "親子の防災キャンプ",
        "公園で一晩、停電や断水を体験しながら過ごす親子キャンプ。",
        "",
        ("防災", "子ども・教育"),
        (("当日スタッフ", 2, "1泊2日"),),
        (_D, _T, _R, _A),
        age_days=52,
        quiet_days=24,
        team=(("haruto", "当日スタッフ"), ("kenji", "当日スタッフ")),
        comments=(("haruto", "準備で学んだことだけでも、ほかの企画に生かせそうです。"),),
        cheers=("mei",),
        archive_reason="会場の都合で今年は見送りです。準備でわかったことはメモにまとめました。",
    ),
)


@dataclass
class SeedReport:
    members_created: int = 0
    proposals_created: int = 0
    notifications_unread: int = 0


def ensure_members() -> tuple[dict[str, User], int]:
    """The demo members by username, created (through the profile service) when missing."""
    moderators, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    members: dict[str, User] = {}
    created = 0
    hashed = ""
    for spec in MEMBERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            # Hashed once for all (it is slow on purpose): the password is published anyway.
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = User(
                username=spec.username, email=f"{spec.username}@example.org", password=hashed
            )
            user.save()
            profile_update(
                user=user,
                display_name=spec.display_name,
                bio=spec.bio,
                interests=spec.interests,
                skills=spec.skills,
                availability=spec.availability,
                preferred_language=spec.language,
                show_name_to_visitors=spec.show_name_to_visitors,
            )
            if spec.moderator:
                user.groups.add(moderators)
            created += 1
        members[spec.username] = user
    return members, created


def demo_members() -> list[User]:
    """The demo members that exist, in the order of MEMBERS."""
    found = User.objects.in_bulk([spec.username for spec in MEMBERS], field_name="username")
    return [found[spec.username] for spec in MEMBERS if spec.username in found]


def seed_community(*, now: datetime | None = None) -> SeedReport:
    """Members and stories that are missing; what exists already is left exactly as it is."""
    now = now or timezone.now()
    members, created = ensure_members()
    report = SeedReport(members_created=created)
    told: list[int] = []
    # One transaction: the stories, their mail settled and their notifications read land together
    # (a run that fails half-way leaves nothing half-told to skip next time).
    with transaction.atomic():
        for story in STORIES:
            proposer = members[story.proposer]
            if Proposal.objects.filter(
                proposer=proposer, submission_key=story.submission_key
            ).exists():
                continue
            told.append(_tell(story, members, now))
            settle_past_email(proposal_id=told[-1])
        report.proposals_created = len(told)
        report.notifications_unread = mark_past_notifications_read(proposal_ids=told, now=now)
    return report


# -- the story clock -----------------------------------------------------------------------------
#
# The services stamp every row with the real time. Each story step is run through them as it is,
# then everything that step stamped (on the story's proposal, its memberships, follows, comments,
# cheers, transition logs, events and deliveries) is moved to the moment the step "happened".
# Every date field is moved, whatever its name, so a field a service starts to stamp later is moved
# too; rows the step did not touch keep their (already past) stamps.

STAMPED_MODELS: tuple[type[models.Model], ...] = (
    Proposal,
    Membership,
    Follow,
    Comment,
    Cheer,
    TransitionLog,
    Event,
    Delivery,
)


def _date_fields(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateTimeField)
    ]


def _rows_of(model: type[models.Model], proposal_id: int) -> models.QuerySet:
    if model is Proposal:
        return Proposal.objects.filter(pk=proposal_id)
    return model._default_manager.filter(proposal_id=proposal_id)


def backdate_step(*, proposal_id: int, since: datetime, to: datetime) -> None:
    """Move every stamp at or after `since` (the real moment the step began) on the proposal's rows
    to `to`, the moment in the story when the step happened."""
    # A batch key names the real-time window the step ran in (cheers gather into one event per
    # window). The backdated event belongs to a window long closed: nothing may join it later.
    Event.objects.filter(proposal_id=proposal_id, created_at__gte=since).exclude(
        dedupe_key=""
    ).update(dedupe_key="")
    moment = Value(to, output_field=models.DateTimeField())
    for model in STAMPED_MODELS:
        names = _date_fields(model)
        touched = Q()
        for name in names:
            touched |= Q(**{f"{name}__gte": since})
        _rows_of(model, proposal_id).filter(touched).update(
            **{
                name: Case(When(**{f"{name}__gte": since}, then=moment), default=F(name))
                for name in names
            }
        )


def settle_past_email(*, proposal_id: int) -> int:
    """The emails of a story's history were due weeks ago, before this database existed: mark them
    skipped, saying why, instead of leaving them pending for a worker to send today about the past.

    Marked skipped (never "sent": nobody received them). The deliver tasks published after commit
    for these rows find nothing to claim: the worker only takes pending deliveries. In-app
    notifications are written as delivered; Slack deliveries are already skipped without a token,
    and with `--allow-slack` they are posted on purpose.
    """
    return Delivery.objects.filter(
        proposal_id=proposal_id, channel=Channel.EMAIL, status=DeliveryStatus.PENDING
    ).update(
        status=DeliveryStatus.SKIPPED,
        last_error="Demo history, seeded after the fact: not sent.",
    )


# A member has read what reached them more than this long ago, and at most this many newer
# notifications wait for them: their first login shows a few fresh items, not the whole history.
READ_AFTER = timedelta(days=3)
UNREAD_AT_MOST = 4
READ_DELAY = timedelta(hours=5)


def mark_past_notifications_read(*, proposal_ids: list[int], now: datetime) -> int:
    """Mark the seeded in-app notifications read as a member who drops by now and then would have:
    everything older than READ_AFTER, a few hours after it arrived, and all but their newest
    UNREAD_AT_MOST of the rest. Returns how many stay unread."""
    inbox = Delivery.objects.filter(
        proposal_id__in=proposal_ids, channel=Channel.INAPP, read_at__isnull=True
    )
    read_at = Least(F("created_at") + READ_DELAY, Value(now, output_field=models.DateTimeField()))
    inbox.filter(created_at__lte=now - READ_AFTER).update(read_at=read_at, updated_at=read_at)
    fresh: dict[int, list[int]] = {}
    for pk, recipient_id in inbox.order_by("-created_at", "-id").values_list("pk", "recipient_id"):
        fresh.setdefault(recipient_id, []).append(pk)
    older = [pk for pks in fresh.values() for pk in pks[UNREAD_AT_MOST:]]
    Delivery.objects.filter(pk__in=older).update(read_at=read_at, updated_at=read_at)
    return inbox.count()


def _tell(story: Story, members: dict[str, User], now: datetime) -> int:
    """Replay a story through the services, each step dated to when it 'happened'. Returns the id."""
    proposer = members[story.proposer]
    mover = members[story.moved_by or story.proposer]
    pid: int = 0

    def current() -> Proposal:
        return Proposal.objects.get(pk=pid)

    def submit() -> None:
        nonlocal pid
        pid = services.proposal_submit(
            proposer=proposer,
            title=story.title,
            summary=story.summary,
            body=story.body,
            tags=story.tags,
            roles=[services.RoleInput(name=n, count=c, pace=p) for n, c, p in story.roles],
            submission_key=story.submission_key,
            is_public=story.key in SHOWN_TO_VISITORS,
        ).pk

    def move(to: str) -> Callable[[], None]:
        note = {Status.DONE: story.outcome, Status.ARCHIVED: story.archive_reason}.get(to, "")
        return lambda: services.proposal_transition(proposal=current(), to=to, by=mover, note=note)

    def ask(username: str, role: str) -> Callable[[], None]:
        user = members[username]
        return lambda: services.membership_request(
            proposal=current(),
            user=user,
            role=role,
            availability=user.availability,
            message="はじめまして。できる範囲でお手伝いしたいです！",
        )

    def accept(username: str) -> Callable[[], None]:
        return lambda: services.membership_accept(
            membership=Membership.objects.get(proposal_id=pid, user=members[username]),
            by=proposer,
        )

    def comment(username: str, text: str) -> Callable[[], None]:
        return lambda: services.comment_create(
            proposal=current(), author=members[username], body=text
        )

    def cheer(username: str) -> Callable[[], None]:
        return lambda: services.cheer_set(proposal=current(), user=members[username], cheered=True)

    # Team joins happen once the proposal starts forming a team (or right away if it never does).
    forming_at = story.path.index(_T) + 1 if _T in story.path else 0
    half = (len(story.comments) + 1) // 2
    steps: list[Callable[[], None]] = [submit]
    steps += [cheer(name) for name in story.cheers[:2]]
    steps += [comment(name, text) for name, text in story.comments[:half]]
    steps += [move(to) for to in story.path[:forming_at]]
    for name, role in story.team:
        steps += [ask(name, role), accept(name)]
    steps += [ask(name, role) for name, role in story.pending]
    steps += [cheer(name) for name in story.cheers[2:]]
    steps += [move(to) for to in story.path[forming_at:]]
    steps += [comment(name, text) for name, text in story.comments[half:]]

    start = now - timedelta(days=story.age_days)
    end = now - timedelta(days=story.quiet_days)
    gap = (end - start) / max(1, len(steps) - 1)
    for index, step in enumerate(steps):
        since = timezone.now()
        step()
        backdate_step(proposal_id=pid, since=since, to=min(end, start + gap * index))
    return pid


# -- bulk proposals (benchmarks, "what does a big community feel like") -------------------------

_PLACES = (
    "地域の公民館",
    "オンライン",
    "駅前の商店街",
    "近所の公園",
    "市立図書館",
    "大学のキャンパス",
    "子ども食堂",
    "シェアオフィス",
    "地元の農園",
    "海辺",
    "空き家",
    "市民活動センター",
    "お寺の本堂",
    "高齢者施設",
    "小学校の体育館",
)
_ACTIVITIES = (
    "で防災ワークショップをひらく",
    "で社会課題の読書会をはじめる",
    "でフードドライブをする",
    "で多世代交流カフェをひらく",
    "でNPOの勉強会を企画する",
    "で放課後の学習支援をする",
    "で古着の交換会をする",
    "でごみ拾いイベントをする",
    "で活動の写真展をひらく",
    "でボランティア説明会をする",
    "で手話の入門講座をひらく",
    "で子ども向けプログラミング教室をする",
    "でチャリティーマーケットをひらく",
    "で外国ルーツの親子の交流会をする",
    "で傾聴ボランティアの練習会をする",
    "でNPOの広報相談会をひらく",
    "で地域の防災マップをつくる",
    "で絵本の読み聞かせ会をひらく",
)
_SUMMARIES = (
    "まずは小さく1回やってみて、続けられそうなら月1回にしたい。",
    "関わりたい人が、自分のペースで参加できる形を一緒に考えたい。",
    "NPOや社会課題を知るきっかけを、身近な場所につくりたい。",
    "一人では難しいけれど、何人か集まればできそうな気がしています。",
    "経験がなくても大丈夫。できることを持ち寄りましょう。",
)
_BODIES = (
    "",
    "## やってみたいこと\n\n- 月1回、2時間くらい\n- 参加費は無料か、実費だけ\n\n"
    "## なぜ\n\n知る機会、つながる機会が少ないことが、最初の一歩の壁になっていると感じています。",
    "きっかけは、交流会で聞いた話です。**自分にもできることがあるかも**と思いました。\n\n"
    "1. 仲間を集める\n2. 会場を探す\n3. 1回やってみる",
)
_ROLES = (
    ("当日スタッフ", "当日3時間"),
    ("広報", "週1時間"),
    ("デザイナー", "月2時間"),
    ("企画", "月3時間"),
    ("会計", "月1時間"),
    ("エンジニア", "週末2時間"),
    ("記録係", "当日2時間"),
)
_COMMENTS = (
    "いいですね！できる範囲で手伝います。",
    "似たことを去年やりました。気づいたことをまとめて共有しますね。",
    "会場の候補、知り合いに聞いてみます。",
    "応援しています！進み具合、また教えてください。",
    "はじめての人でも参加しやすい雰囲気だとうれしいです。",
    "週末なら少し時間が取れそうです。",
)
# Final status → how often, and the path that leads there.
_STATUS_WEIGHTS = (
    (Status.IDEA, 30),
    (Status.DISCUSSION, 20),
    (Status.TEAM_FORMING, 15),
    (Status.RUNNING, 15),
    (Status.DONE, 10),
    (Status.ARCHIVED, 10),
)
_FORWARD = (
    ("open_discussion", Status.IDEA, Status.DISCUSSION),
    ("start_team_forming", Status.DISCUSSION, Status.TEAM_FORMING),
    ("launch", Status.TEAM_FORMING, Status.RUNNING),
    ("complete", Status.RUNNING, Status.DONE),
)
_DEPTH = {
    Status.IDEA: 0,
    Status.DISCUSSION: 1,
    Status.TEAM_FORMING: 2,
    Status.RUNNING: 3,
    Status.DONE: 4,
}
_OUTCOME = "やってみてわかったことを、次の人のためにまとめました。"
_PAUSE_REASON = "いまは手が回らないので、いったんお休みします。"
BATCH = 500


def _path_to(status: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """(transition name, from, to) steps from idea to `status`."""
    if status == Status.ARCHIVED:
        paused_from = rng.choice(ACTIVE_STATUSES)
        return [*_FORWARD[: _DEPTH[paused_from]], ("archive", paused_from, Status.ARCHIVED)]
    return list(_FORWARD[: _DEPTH[status]])


def _moments(start: datetime, end: datetime, count: int, rng: random.Random) -> list[datetime]:
    span = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


@dataclass
class _Plan:
    """One bulk proposal before its rows exist; every row carries the moment it happened."""

    proposal: Proposal
    path: list[tuple[str, str, str]]
    moved_at: list[datetime]
    tag_ids: list[int]
    roles: list[tuple[str, int, str]]
    team: list[tuple[User, str, datetime]]
    pending: list[tuple[User, str, datetime]]
    cheers: list[tuple[User, datetime]]
    comments: list[tuple[User, datetime, tuple[str, str]]]


def bulk_seed_proposals(
    count: int,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """The one bulk path: add `count` proposals with bulk inserts, in batches of BATCH, and return
    how many were added.

    Too many for the services (which is what makes 10,000 take seconds), so it writes the rows the
    services would leave, under the same invariants: each proposal has its proposer's accepted
    membership and follow; everyone who joined, asked, commented or cheered follows it; its
    transition logs lead from idea to its status; member, cheer and comment counts equal the rows;
    status_changed_at is its last move and last_activity_at its latest row; nothing is dated after
    `now` or before HISTORY. Unlike the stories it records no events: nobody is notified of them.
    """
    now = now or timezone.now()
    members, _created = ensure_members()
    users = list(members.values())
    Tag.objects.bulk_create([Tag(name=name) for name in SUGGESTED_THEMES], ignore_conflicts=True)
    tag_ids = list(Tag.objects.filter(name__in=SUGGESTED_THEMES).values_list("pk", flat=True))
    rng = random.Random(f"incubator-demo-{Proposal.objects.count()}-{count}")
    bodies = [(body, render_markdown(body)) for body in _BODIES]
    comments = [(text, render_markdown(text)) for text in _COMMENTS]
    statuses = [status for status, _weight in _STATUS_WEIGHTS]
    weights = [weight for _status, weight in _STATUS_WEIGHTS]
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        plans = [
            _plan(
                status,
                now=now,
                rng=rng,
                users=users,
                tag_ids=tag_ids,
                bodies=bodies,
                comments=comments,
            )
            for status in rng.choices(statuses, weights, k=size)
        ]
        with transaction.atomic():
            _insert(plans)
        done += size
        if progress:
            progress(done, count)
    return done


def _plan(
    status: str,
    *,
    now: datetime,
    rng: random.Random,
    users: list[User],
    tag_ids: list[int],
    bodies: list[tuple[str, str]],
    comments: list[tuple[str, str]],
) -> _Plan:
    proposer = rng.choice(users)
    others = [user for user in users if user.pk != proposer.pk]
    rng.shuffle(others)
    created = now - HISTORY * rng.uniform(0.002, 1)
    # About a fifth have been quiet for longer than the board's "quiet for N days" hint waits.
    quiet = (
        rng.uniform(BOARD_QUIET_AFTER / HISTORY, 1) if rng.random() < 0.2 else rng.uniform(0, 0.5)
    )
    until = max(created, now - HISTORY * quiet)
    path = _path_to(status, rng)
    moved_at = _moments(created, until, len(path), rng)
    # A team gathers while it is forming: from start_team_forming until the next move.
    forming = [i for i, (name, _s, _t) in enumerate(path) if name == "start_team_forming"]
    gathering_from = moved_at[forming[0]] if forming else created
    gathering_until = moved_at[forming[0] + 1] if forming and forming[0] + 1 < len(path) else until
    roles = (
        [(name, rng.randint(1, 3), pace) for name, pace in rng.sample(_ROLES, rng.randint(1, 2))]
        if forming or rng.random() < 0.4
        else []
    )
    team_size = rng.randint(max(1, settings.MIN_TEAM_SIZE - 1), 4) if forming else 0
    pending_size = rng.randint(0, 2) if status == Status.TEAM_FORMING else 0
    team = [
        (user, rng.choice(roles)[0], at)
        for user, at in zip(
            others[:team_size],
            _moments(gathering_from, gathering_until, team_size, rng),
            strict=True,
        )
    ]
    pending = [
        (user, rng.choice(roles)[0], at)
        for user, at in zip(
            others[team_size:][:pending_size],
            _moments(gathering_from, until, pending_size, rng),
            strict=True,
        )
    ]
    cheerers = rng.sample(others, rng.randint(0, min(5, len(others))))
    cheers = list(zip(cheerers, _moments(created, until, len(cheerers), rng), strict=True))
    said = [
        (rng.choice(users), at, rng.choice(comments))
        for at in _moments(created, until, rng.randint(0, 4), rng)
    ]
    # Last active when the latest of its rows happened (an idea nobody touched: when it was made).
    last_activity = max(
        [created, *moved_at]
        + [at for _u, _r, at in team + pending]
        + [at for _u, at in cheers]
        + [at for _u, at, _c in said]
    )
    body, body_html = rng.choice(bodies)
    proposal = Proposal(
        title=rng.choice(_PLACES) + rng.choice(_ACTIVITIES),
        summary=rng.choice(_SUMMARIES),
        body=body,
        body_html=body_html,
        proposer=proposer,
        # The status field is protected: it can only be given here, never assigned later.
        status=status,
        outcome_note=_OUTCOME if status == Status.DONE else "",
        archive_reason=_PAUSE_REASON if status == Status.ARCHIVED else "",
        member_count=1 + len(team),
        cheer_count=len(cheers),
        comment_count=len(said),
        created_at=created,
        status_changed_at=moved_at[-1] if moved_at else created,
        last_activity_at=last_activity,
    )
    return _Plan(
        proposal=proposal,
        path=path,
        moved_at=moved_at,
        tag_ids=rng.sample(tag_ids, rng.randint(1, min(3, len(tag_ids)))),
        roles=roles,
        team=team,
        pending=pending,
        cheers=cheers,
        comments=said,
    )


def _insert(plans: list[_Plan]) -> None:
    proposals = Proposal.objects.bulk_create([plan.proposal for plan in plans])
    # bulk_create stamps the `updated_at` fields (auto_now) with the real time; as for rows the
    # services wrote, a proposal last changed at its last activity and a membership when decided.
    Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        updated_at=F("last_activity_at")
    )
    through = Proposal.tags.through
    roles, memberships, follows, tags, logs, cheers, comments = [], [], [], [], [], [], []
    for plan in plans:
        proposal = plan.proposal
        pid, owner, created = proposal.pk, proposal.proposer_id, proposal.created_at
        roles += [
            RoleWanted(proposal_id=pid, name=name, count=n, pace=pace)
            for name, n, pace in plan.roles
        ]
        memberships.append(
            Membership(
                proposal_id=pid,
                user_id=owner,
                role=PROPOSER_ROLE,
                status=MembershipStatus.ACCEPTED,
                decided_by_id=owner,
                decided_at=created,
                created_at=created,
            )
        )
        memberships += [
            Membership(
                proposal_id=pid,
                user_id=user.pk,
                role=role,
                availability=user.availability,
                status=MembershipStatus.ACCEPTED,
                decided_by_id=owner,
                decided_at=at,
                created_at=at,
            )
            for user, role, at in plan.team
        ]
        memberships += [
            Membership(
                proposal_id=pid,
                user_id=user.pk,
                role=role,
                availability=user.availability,
                message="できる範囲でお手伝いしたいです。",
                created_at=at,
            )
            for user, role, at in plan.pending
        ]
        # Everyone who took part follows, from the first moment they did.
        followed_at = {owner: created}
        for user, at in (
            [(u, at) for u, _r, at in plan.team + plan.pending]
            + [(u, at) for u, at, _c in plan.comments]
            + plan.cheers
        ):
            followed_at[user.pk] = min(at, followed_at.get(user.pk, at))
        follows += [
            Follow(proposal_id=pid, user_id=user_id, created_at=at)
            for user_id, at in followed_at.items()
        ]
        tags += [through(proposal_id=pid, tag_id=tag_id) for tag_id in plan.tag_ids]
        notes = {"complete": proposal.outcome_note, "archive": proposal.archive_reason}
        logs += [
            TransitionLog(
                proposal_id=pid,
                actor_id=owner,
                name=name,
                from_status=source,
                to_status=target,
                note=notes.get(name, ""),
                created_at=at,
            )
            for (name, source, target), at in zip(plan.path, plan.moved_at, strict=True)
        ]
        cheers += [
            Cheer(proposal_id=pid, user_id=user.pk, created_at=at) for user, at in plan.cheers
        ]
        comments += [
            Comment(
                proposal_id=pid,
                author_id=user.pk,
                body=text,
                body_html=html,
                created_at=at,
            )
            for user, at, (text, html) in plan.comments
        ]
    RoleWanted.objects.bulk_create(roles)
    Membership.objects.bulk_create(memberships)
    Membership.objects.filter(proposal_id__in=[p.pk for p in proposals]).update(
        updated_at=Coalesce(F("decided_at"), F("created_at"))
    )
    Follow.objects.bulk_create(follows)
    through.objects.bulk_create(tags)
    TransitionLog.objects.bulk_create(logs)
    Cheer.objects.bulk_create(cheers)
    Comment.objects.bulk_create(comments)


# -- bulk members (benchmarks, "what does a members page of 10,000 feel like") -----------------

BULK_MEMBER_PREFIX = "member-"
MEMBER_BATCH = 1_000
_FAMILY_NAMES = (
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
    "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "清水", "斎藤",
)  # fmt: skip
_GIVEN_NAMES = (
    "陽翔", "結衣", "蓮", "葵", "湊", "陽菜", "大和", "凛", "悠真", "芽依",
    "颯太", "美咲", "樹", "さくら", "翼", "ひなた", "健", "真由", "拓也", "彩",
)  # fmt: skip
_ENGLISH_NAMES = ("Alex Kim", "Maria Santos", "Tom Becker", "Priya Nair", "Lucas Martin")
_FIRST_LINES = (
    "会社員です。週末に地域で何かできたらと思って参加しました。",
    "大学生です。NPOのことをもっと知りたくて来ました。",
    "子育て中の母です。子どもの居場所づくりに関心があります。",
    "定年後、地元のために時間を使いたいと思っています。",
    "フリーランスで働いています。得意なことで誰かの役に立てたらうれしいです。",
    "NPOで働いています。現場の話ならいつでもどうぞ。",
    "地方に移住して2年目です。まちの人とつながるきっかけを探しています。",
    "I moved to Japan last year and would love to help where English is useful.",
)
_SECOND_LINES = (
    "",
    "はじめてのことも多いですが、できる範囲で関わりたいです。",
    "まずは話を聞くところから始めたいです。",
    "気軽に声をかけてください。",
)
_SKILLS = (
    "広報、SNSでの発信",
    "デザイナー(チラシ・ロゴ)",
    "イベントの企画と進行",
    "会計・経理",
    "エンジニア(Python、Webサイト)",
    "記録係、写真撮影",
    "当日スタッフの経験あり",
    "料理",
    "英語、翻訳",
    "傾聴",
    "子どもと遊ぶこと",
    "動画編集",
    "データ分析",
    "DIY、大工仕事",
)
_AVAILABILITY = (
    "",
    "週末に2時間くらい",
    "平日の夜に1時間ずつ",
    "月に5時間ほど",
    "土曜の午前中",
    "オンラインなら平日の夜いつでも",
    "シフト制なので月に数回",
    "Weekends, about 2 hours",
)
# The fields a bulk member's profile fills in, each checked as the profile service checks it.
_PROFILE_FIELDS = (
    "display_name",
    "bio",
    "interests",
    "skills",
    "availability",
    "preferred_language",
    "profile_visibility",
    "open_to_suggestions",
)


def bulk_seed_members(
    count: int,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """The one bulk path for members: add `count` of them with bulk inserts, in batches of
    MEMBER_BATCH, and return how many were added.

    Each has a profile as the profile service would save it (a display name, a self-introduction,
    one to four of the suggested themes, skills, availability in their own words, mostly open to
    suggestions, about one in ten showing their profile to their teams only), every field checked
    as the profile form checks it (`clean_fields`), the demo password, and a join date within
    HISTORY. Usernames go on from the ones already added (BULK_MEMBER_PREFIX and a number). No
    Slack id, no activity: they are new here."""
    now = now or timezone.now()
    taken = User.objects.filter(username__startswith=BULK_MEMBER_PREFIX).count()
    rng = random.Random(f"incubator-members-{taken}-{count}")
    hashed = make_password(DEMO_PASSWORD)  # hashed once for all, as for the demo members
    unchecked = [field.name for field in User._meta.fields if field.name not in _PROFILE_FIELDS]
    done = 0
    while done < count:
        size = min(MEMBER_BATCH, count - done)
        batch = [
            _bulk_member(taken + done + index + 1, now=now, rng=rng, password=hashed)
            for index in range(size)
        ]
        for user in batch:
            user.clean_fields(exclude=unchecked)
        with transaction.atomic():
            User.objects.bulk_create(batch)
        done += size
        if progress:
            progress(done, count)
    return done


def _bulk_member(number: int, *, now: datetime, rng: random.Random, password: str) -> User:
    english = rng.random() < 0.05
    name = (
        rng.choice(_ENGLISH_NAMES)
        if english
        else f"{rng.choice(_FAMILY_NAMES)} {rng.choice(_GIVEN_NAMES)}"
    )
    first = _FIRST_LINES[-1] if english else rng.choice(_FIRST_LINES[:-1])
    bio = "\n".join(line for line in (first, rng.choice(_SECOND_LINES)) if line)
    username = f"{BULK_MEMBER_PREFIX}{number:05d}"
    return User(
        username=username,
        email=f"{username}@example.org",
        password=password,
        display_name=name,
        bio=bio,
        interests=clean_interests(rng.sample(SUGGESTED_THEMES, rng.randint(1, 4))),
        skills="、".join(rng.sample(_SKILLS, rng.randint(1, 3))),
        availability=rng.choice(_AVAILABILITY),
        preferred_language="en" if english else rng.choice(("", "ja")),
        profile_visibility=(
            ProfileVisibility.TEAM if rng.random() < 0.1 else ProfileVisibility.COMMUNITY
        ),
        open_to_suggestions=rng.random() < 0.85,
        date_joined=now - HISTORY * rng.uniform(0.001, 1),
    )
