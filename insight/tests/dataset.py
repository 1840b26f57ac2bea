"""A small community with known dates, made through the real services at frozen moments.

The period under test is March 2026 from Monday the 2nd to Sunday the 29th (four weeks), in the
community's time zone (Asia/Tokyo); the figures are read on 1 May 2026 at noon. Every figure the
insight page shows for it is worked out by hand in test_figures.py, from the story told here.
The meetups come last: they change none of the proposals' figures (dave's one cheer is on p5,
after the period and never quiet).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from meetups import services as meetup_services
from meetups.models import Meetup
from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Membership, Proposal

TOKYO = ZoneInfo("Asia/Tokyo")
THEME = "防災"


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


NOW = at(5, 1, 12)


@dataclass
class Community:
    alice: object
    bob: object
    carol: object
    dave: object
    erin: object
    moderator: object
    proposals: dict[str, Proposal]
    meetups: dict[str, Meetup]


def _submit(when: datetime, proposer, title: str, tags=()) -> Proposal:
    with time_machine.travel(when, tick=False):
        return services.proposal_submit(
            proposer=proposer,
            title=title,
            summary="やってみたいこと",
            tags=tags,
            roles=[services.RoleInput(name="広報", count=2, pace="週2h")],
        )


def _move(when: datetime, proposal: Proposal, to: str, by, note: str = "") -> None:
    with time_machine.travel(when, tick=False):
        services.proposal_transition(
            proposal=Proposal.objects.get(pk=proposal.pk), to=to, by=by, note=note
        )


def _comment(when: datetime, proposal: Proposal, author) -> None:
    with time_machine.travel(when, tick=False):
        services.comment_create(
            proposal=Proposal.objects.get(pk=proposal.pk), author=author, body="いいですね"
        )


def _cheer(when: datetime, proposal: Proposal, user) -> None:
    with time_machine.travel(when, tick=False):
        services.cheer_set(proposal=Proposal.objects.get(pk=proposal.pk), user=user, cheered=True)


def _ask(when: datetime, proposal: Proposal, user) -> Membership:
    with time_machine.travel(when, tick=False):
        return services.membership_request(
            proposal=Proposal.objects.get(pk=proposal.pk), user=user, role="広報"
        )


def _accept(when: datetime, membership: Membership, by) -> None:
    with time_machine.travel(when, tick=False):
        services.membership_accept(membership=membership, by=by)


def build() -> Community:
    alice, bob, carol, dave, erin = (
        UserFactory(username=name, display_name=name.title(), email=f"{name}@example.org")
        for name in ("alice", "bob", "carol", "dave", "erin")
    )
    moderator = UserFactory(username="mod", display_name="Mod", moderator=True)

    # Before the period. p7 was paused long ago (paused proposals are never "quiet"); p6 has been
    # an idea since December (quiet for 151 days on 1 May); p0 moved to discussion in February,
    # where erin joined it on 10 February (her first team, so March is not her first time).
    p7 = _submit(at(11, 1, year=2025), bob, "p7 paused long ago")
    _move(at(11, 10, year=2025), p7, "archived", bob, note="少し休みます")
    p6 = _submit(at(12, 1, year=2025), alice, "p6 quiet idea")
    p0 = _submit(at(1, 5), alice, "p0 older discussion")
    _move(at(2, 2), p0, "discussion", alice)
    _accept(at(2, 10), _ask(at(2, 9), p0, erin), alice)

    # p1 (theme 防災) goes all the way: idea 2 days, discussion 5, team forming 7, running 7.
    p1 = _submit(at(3, 2), alice, "p1 all the way", tags=[THEME])
    _comment(at(3, 3), p1, carol)  # the first response: 24 hours
    _move(at(3, 4), p1, "discussion", alice)
    _move(at(3, 9), p1, "team_forming", alice)
    _accept(at(3, 11), _ask(at(3, 10), p1, carol), alice)  # carol's first team
    _accept(at(3, 13), _ask(at(3, 12), p1, erin), alice)  # erin's second
    _move(at(3, 16), p1, "running", alice)
    _move(at(3, 23), p1, "done", alice, note="やってみました")

    # p2 is paused after 8 days as an idea, reopened, and 2 days later back in discussion.
    p2 = _submit(at(3, 3), alice, "p2 paused and reopened")
    _cheer(at(3, 3, 16), p2, bob)  # the first response: 6 hours
    _comment(at(3, 5), p2, bob)
    _move(at(3, 11), p2, "archived", alice, note="少し休みます")
    _move(at(3, 17), p2, "idea", alice)
    _move(at(3, 19), p2, "discussion", alice)

    # p3 (theme 防災) gets no answer from anyone else (its proposer's own comment is none), and
    # dave's request to join waits (50 days on 1 May).
    p3 = _submit(at(3, 10), bob, "p3 waiting", tags=[THEME])
    _comment(at(3, 11), p3, bob)
    _ask(at(3, 12), p3, dave)

    # p4: idea 1.5 days, discussion 1; dave joins (his first team), it launches on 1 April, after
    # the period, and dave steps back on 2 April.
    p4 = _submit(at(3, 24), bob, "p4 late in the period")
    _cheer(at(3, 24, 11, 30), p4, carol)  # the first response: 1.5 hours
    _move(at(3, 25, 22), p4, "discussion", bob)
    _move(at(3, 26, 22), p4, "team_forming", bob)
    _accept(at(3, 28), _ask(at(3, 27), p4, dave), bob)
    _move(at(4, 1), p4, "running", bob)
    with time_machine.travel(at(4, 2), tick=False):
        services.membership_leave(proposal=Proposal.objects.get(pk=p4.pk), user=dave)

    # p5 comes after the period.
    p5 = _submit(at(4, 3), carol, "p5 after the period")

    meetups = _meetups(alice, bob, carol, dave, erin, p1=p1, p5=p5)

    return Community(
        alice=alice,
        bob=bob,
        carol=carol,
        dave=dave,
        erin=erin,
        moderator=moderator,
        proposals={
            "p0": p0,
            "p1": p1,
            "p2": p2,
            "p3": p3,
            "p4": p4,
            "p5": p5,
            "p6": p6,
            "p7": p7,
        },
        meetups=meetups,
    )


def _meetup(when: datetime, host, title: str, hours: int = 2, proposal=None) -> Meetup:
    with time_machine.travel(at(2, 20), tick=False):
        return meetup_services.meetup_create(
            by=host,
            title=title,
            starts_at=when,
            ends_at=when + timedelta(hours=hours),
            place="公民館",
            proposal=proposal,
        )


def _answer(meetup: Meetup, user, answer: str = "going") -> None:
    with time_machine.travel(at(3, 1), tick=False):
        meetup_services.meetup_answer(meetup=meetup, user=user, answer=answer)


def _mark(meetup: Meetup, by, user, attended: bool) -> None:
    with time_machine.travel(meetup.ends_at, tick=False):
        meetup_services.meetup_mark_attendance(
            meetup=meetup, by=by, user_id=user.pk, attended=attended
        )


def _meetups(alice, bob, carol, dave, erin, *, p1: Proposal, p5: Proposal) -> dict[str, Meetup]:
    """Meetup → cheer → join, with a window of 30 days from a meetup's start to after its end.

    m1, a 交流会 on Friday 6 March, 19:00–21:00, hosted by alice (going as its host): bob and carol
    go; dave said going but alice marked him as not come; erin said maybe and alice marked her as
    came. So alice, bob, carol and erin came. Carol cheered p4 on 24 March and joined p1 on 11
    March, erin joined p1 on 13 March: within 30 days. Bob's cheer (3 March) came before it.
    m2, p1's meetup (theme 防災) on Friday 20 March, 10:00–12:00: alice hosts, dave goes (nobody
    marks him, so going counts), bob said going but was marked not come. Dave joined p4 on 28
    March and cheers p5 on 5 April: within 30 days.
    m3 (25 March) is cancelled, m4 (10 April) is after the period: neither counts in March.
    In all: 2 meetups, 6 times someone came, 5 people; 2 of them cheered, 3 joined a team."""
    m1 = _meetup(at(3, 6, 19), alice, "春の交流会")
    for person in (bob, carol, dave):
        _answer(m1, person)
    _answer(m1, erin, "maybe")
    _mark(m1, alice, dave, attended=False)
    _mark(m1, alice, erin, attended=True)

    m2 = _meetup(at(3, 20, 10), alice, "p1 の作戦会議", proposal=p1)
    _answer(m2, dave)
    _answer(m2, bob)
    _mark(m2, alice, bob, attended=False)
    _cheer(at(4, 5), p5, dave)

    m3 = _meetup(at(3, 25, 19), bob, "中止になった勉強会")
    _answer(m3, carol)
    with time_machine.travel(at(3, 20), tick=False):
        meetup_services.meetup_cancel(meetup=m3, by=bob, note="また今度")

    m4 = _meetup(at(4, 10, 14), carol, "4月の交流会")
    _answer(m4, dave)
    return {"m1": m1, "m2": m2, "m3": m3, "m4": m4}
