"""One community with things visitors may see and things they must never see, for the entrance's
tests. Every secret is a string that appears nowhere else, so finding it anywhere is a leak."""

from datetime import timedelta

from django.utils import timezone

from applications.tests.factories import waiting_application
from meetups.tests.factories import make_meetup
from members.models import ProfileVisibility
from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import add_member, make_proposal

# Public: visitors may read these.
PUBLIC_TITLE = "公開の子ども食堂プロジェクト"
PUBLIC_SUMMARY = "月に一度、みんなで子ども食堂をひらきたい。"
PUBLIC_ROLE = "広報デザイン"
NAMED_PROPOSER = "なまえOKのあおい"
NAMED_TITLE = "名前を出してよい提案"
PUBLIC_MEETUP_TITLE = "公開のオンライン交流会"

# Never shown to a visitor.
SECRETS = {
    "a private proposal's title": "ないしょの提案タイトル",
    "a private proposal's summary": "ないしょの提案の要約文",
    "a private proposal's role": "ないしょの役割名",
    "a public proposal's body": "公開提案の本文はメンバーだけ",
    "a public proposal's comment": "公開提案への普通のコメント",
    "a hidden comment": "非表示にされたコメント本文",
    "a private member's name": "ひみつの提案者はるか",
    "a teammate's name": "チームメイトのひみつの名前",
    "a team-only member's name": "チームだけ公開のなまえ",
    "a paused public proposal": "休止中の公開提案タイトル",
    "a private meetup's title": "ないしょの交流会タイトル",
    "a private meetup's place": "ないしょの会場の住所",
    "a public meetup's place": "公開交流会の会場はメンバーだけ",
    "a public meetup's link": "https://meet.example.org/secret-room",
    "a public meetup's description": "公開交流会の説明はメンバーだけ",
    "a private member's email": "haruka-secret@example.org",
    "an applicant's name": "ひみつの申込者ななみ",
    "an applicant's email": "nanami-applicant@example.org",
    "an applicant's hopes": "申込者がやってみたいひみつのこと",
}


class World:
    def __init__(self):
        self.private = UserFactory(
            username="haruka", display_name=SECRETS["a private member's name"],
            email=SECRETS["a private member's email"],
        )  # fmt: skip
        self.named = UserFactory(
            username="aoi", display_name=NAMED_PROPOSER, show_name_to_visitors=True
        )
        # Chose to be named, but only her teams may see her profile: never named to visitors.
        self.team_only = UserFactory(
            username="teamonly",
            display_name=SECRETS["a team-only member's name"],
            show_name_to_visitors=True,
            profile_visibility=ProfileVisibility.TEAM,
        )
        self.teammate = UserFactory(username="teammate", display_name=SECRETS["a teammate's name"])
        self.moderator = UserFactory(username="mod", moderator=True)

        self.public = make_proposal(
            proposer=self.private,
            title=PUBLIC_TITLE,
            summary=PUBLIC_SUMMARY,
            body=SECRETS["a public proposal's body"],
            roles=(PUBLIC_ROLE,),
            status="team_forming",
            is_public=True,
        )
        add_member(self.public, self.teammate, role=PUBLIC_ROLE)
        services.comment_create(
            proposal=self.public, author=self.teammate, body=SECRETS["a public proposal's comment"]
        )
        hidden = services.comment_create(
            proposal=self.public, author=self.teammate, body=SECRETS["a hidden comment"]
        )
        self.hidden_comment = services.comment_set_hidden(
            comment=hidden, by=self.moderator, hidden=True
        )
        self.named_public = make_proposal(
            proposer=self.named, title=NAMED_TITLE, is_public=True, roles=()
        )
        self.team_only_public = make_proposal(
            proposer=self.team_only, title="チームだけの人の公開提案", is_public=True
        )
        self.private_proposal = make_proposal(
            proposer=self.private,
            title=SECRETS["a private proposal's title"],
            summary=SECRETS["a private proposal's summary"],
            roles=(SECRETS["a private proposal's role"],),
            status="discussion",
        )
        services.comment_create(
            proposal=self.private_proposal, author=self.teammate, body="ないしょの議論"
        )
        self.paused = make_proposal(
            proposer=self.named,
            title=SECRETS["a paused public proposal"],
            status="archived",
            is_public=True,
        )
        starts = timezone.now() + timedelta(days=3)
        self.public_meetup = make_meetup(
            by=self.private,
            title=PUBLIC_MEETUP_TITLE,
            place=SECRETS["a public meetup's place"],
            online_url=SECRETS["a public meetup's link"],
            description=SECRETS["a public meetup's description"],
            starts_at=starts,
            is_public=True,
        )
        self.applicant = waiting_application(
            name=SECRETS["an applicant's name"],
            email=SECRETS["an applicant's email"],
            hopes=SECRETS["an applicant's hopes"],
        )
        self.private_meetup = make_meetup(
            by=self.private,
            title=SECRETS["a private meetup's title"],
            place=SECRETS["a private meetup's place"],
            starts_at=starts,
        )
