"""The guidelines' kind default, in the community's own words (its article), used until the
moderators write their own; and the default words of a decline."""

from django.utils import translation
from django.utils.translation import gettext

DEFAULT_GUIDELINES = {
    "ja": """\
このコミュニティは、社会課題の解決に関わっている人も、これから関わってみたい人も、\
「社会貢献ってなんだろう？」と考えている人も、いっしょにいられる場所です。

- **一人一人の想いと背景を大切にします。** 違う考えにも、まず「知る」ところから。
- **無理なく、自分のペースで。** 関わり方、ペース、タイミングは人それぞれです。読むだけの日があっても大丈夫です。
- **心理的安全性を守ります。** 否定や決めつけではなく、問いかけと応援で返します。質問に「いまさら」はありません。
- **みんなで作り上げます。** 「こんなことしてみたい」は、どんなに小さくても歓迎です。
- **お互いの情報を大切に。** コミュニティの中で知ったことを、本人の許可なく外に広めません。
- **勧誘や営業はご遠慮ください。** 宣伝したいことがあるときは「拡散希望」で、まず相談してください。

困ったことがあれば、いつでもモデレーターに声をかけてください。
""",
    "en": """\
This community is a place for people who already work on social issues, people who would like
to, and people still wondering what “giving back” could mean for them.

- **We value each person’s hopes and background.** With a view different from ours, we start by
  getting to know it.
- **At your own pace.** Everyone takes part in their own way and at their own time. A day of only
  reading is fine.
- **Psychological safety comes first.** We answer with questions and encouragement, not dismissal.
  No question comes “too late”.
- **We build it together.** Every “I’d like to try this”, however small, is welcome.
- **We look after each other’s information.** What we learn here stays here unless the person
  agrees.
- **No recruiting or sales, please.** To spread the word about something, ask in the sharing
  channel first.

If anything troubles you, a moderator is always happy to hear from you.
""",
}


def default_guidelines(language: str) -> str:
    return DEFAULT_GUIDELINES.get(language, DEFAULT_GUIDELINES["en"])


def default_decline_text(*, language: str, call_name: str) -> str:
    """The kind words of a decline, in the applicant's language (the moderator may edit them)."""
    with translation.override(language):
        return gettext(
            "Dear %(name)s,\n\n"
            "Thank you so much for your interest in the community and for telling us about "
            "yourself. We are not able to send you an invitation this time. This is no judgement "
            "of you or of what you would like to do, and we hope you find a place where it can "
            "grow.\n\n"
            "If things change, you are always welcome to ask again."
        ) % {"name": call_name}
