"""The demo community's meetups (`seed_demo`): an online 交流会 next week, a 勉強会 with a guest
from an NPO, a team's kickoff for a proposal that is forming its team, and last month's 交流会 with
who came. Told through the services like everything else; idempotent (by title)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from proposals.choices import Status
from proposals.models import Proposal
from proposals.selectors import accepted_members

from . import services
from .choices import MeetupKind, Visibility
from .models import Meetup


@dataclass(frozen=True)
class DemoMeetup:
    title: str
    host: str
    kind: str
    days_from_now: int
    start: time
    hours: float
    description: str
    online_url: str = ""
    place: str = ""
    capacity: int | None = None
    themes: tuple[str, ...] = ()
    going: tuple[str, ...] = ()
    maybe: tuple[str, ...] = ()
    cant: tuple[str, ...] = ()
    for_team_forming: bool = False  # the team's own meeting, for a proposal forming its team
    public: bool = False  # shown to visitors on the public page (title, kind and time only)


MEETUPS: tuple[DemoMeetup, ...] = (
    DemoMeetup(
        title="オンライン交流会「最近やってみたいこと」",
        host="sakura",
        kind=MeetupKind.SOCIAL,
        days_from_now=6,
        start=time(20, 0),
        hours=1.5,
        description=(
            "はじめての方も大歓迎です。自己紹介と「最近やってみたいこと」を一人ずつ話します。\n\n"
            "- 顔出しは自由です\n- 途中参加・途中退出もどうぞ"
        ),
        online_url="https://meet.example.org/incubator-koryu",
        capacity=20,
        themes=("学び合い", "地域づくり"),
        going=("haruto", "yui", "mei", "emily"),
        maybe=("kenji",),
        public=True,
    ),
    DemoMeetup(
        title="勉強会：NPOの広報をやさしく始める",
        host="aoi",
        kind=MeetupKind.STUDY,
        days_from_now=13,
        start=time(14, 0),
        hours=2,
        description=(
            "地域のNPOで広報を担当しているゲストをお招きして、少ない時間で続けられる発信の"
            "コツを教えていただきます。質問タイムもあります。"
        ),
        place="市民活動センター 会議室B",
        capacity=12,
        themes=("広報・デザイン",),
        going=("takumi", "rina"),
        cant=("sota",),
    ),
    DemoMeetup(
        title="チームのキックオフ",
        host="",  # the proposer of a proposal forming its team
        kind=MeetupKind.TEAM,
        days_from_now=3,
        start=time(19, 30),
        hours=1,
        description="役割とそれぞれのペースを確認して、最初の一歩を決めましょう。",
        online_url="https://meet.example.org/incubator-kickoff",
        for_team_forming=True,
    ),
    DemoMeetup(
        title="交流会：防災まちあるきの振り返り",
        host="kenji",
        kind=MeetupKind.SOCIAL,
        days_from_now=-24,
        start=time(19, 0),
        hours=1.5,
        description="先月のまちあるきで気づいたことを話しました。",
        online_url="https://meet.example.org/incubator-furikaeri",
        themes=("防災", "地域づくり"),
        going=("sakura", "yui", "sota"),
    ),
)


def _moment(now: datetime, days: int, at: time) -> datetime:
    day = timezone.localdate(now) + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, at))


def seed_meetups(members: dict, *, now: datetime | None = None) -> int:
    """Create the demo meetups that are missing; returns how many were created."""
    now = now or timezone.now()
    created = 0
    forming = Proposal.objects.filter(status=Status.TEAM_FORMING).order_by("pk").first()
    for plan in MEETUPS:
        if Meetup.objects.filter(title=plan.title).exists():
            continue
        if plan.for_team_forming and forming is None:
            continue
        host = forming.proposer if plan.for_team_forming else members[plan.host]
        past = plan.days_from_now < 0
        # A past meetup is told as it happened: created a week before, answered, then moved to
        # its real dates (the services refuse to plan a meetup in the past).
        starts = _moment(now, abs(plan.days_from_now) if past else plan.days_from_now, plan.start)
        with transaction.atomic():
            meetup = services.meetup_create(
                by=host,
                title=plan.title,
                description=plan.description,
                kind=plan.kind,
                starts_at=starts,
                ends_at=starts + timedelta(hours=plan.hours),
                online_url=plan.online_url,
                place=plan.place,
                capacity=plan.capacity,
                proposal=forming if plan.for_team_forming else None,
                visibility=Visibility.TEAM if plan.for_team_forming else Visibility.COMMUNITY,
                themes=plan.themes,
                is_public=plan.public,
            )
            for answer, usernames in (
                ("going", plan.going),
                ("maybe", plan.maybe),
                ("cant", plan.cant),
            ):
                for username in usernames:
                    services.meetup_answer(meetup=meetup, user=members[username], answer=answer)
            if plan.for_team_forming:
                for member in accepted_members(forming):
                    if member.user_id != host.pk:
                        services.meetup_answer(meetup=meetup, user=member.user, answer="going")
            if past:
                real = _moment(now, plan.days_from_now, plan.start)
                Meetup.objects.filter(pk=meetup.pk).update(
                    starts_at=real, ends_at=real + timedelta(hours=plan.hours)
                )
                meetup.refresh_from_db()
                for username in (plan.host, *plan.going):
                    services.meetup_mark_attendance(
                        meetup=meetup, by=host, user_id=members[username].pk, attended=True
                    )
        created += 1
    return created
