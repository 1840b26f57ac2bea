"""Introduction rounds on fixed data, made in the app and by email (nobody on Slack here)."""

from datetime import timedelta
from itertools import combinations

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from introductions import services
from introductions.choices import THEME_QUESTIONS, Channel
from introductions.models import Introduction, IntroductionMember, IntroductionRound
from members.models import Introductions, ProfileVisibility
from proposals.choices import MembershipStatus
from proposals.models import Membership
from proposals.tests.factories import make_proposal
from workers import dispatch, tasks
from workers import selectors as worker_selectors
from workers.events import EventKind

from .factories import person, round_moment

pytestmark = pytest.mark.django_db


def groups() -> list[set[str]]:
    found: dict[int, set[str]] = {}
    for introduction_id, username in IntroductionMember.objects.values_list(
        "introduction_id", "member__username"
    ):
        found.setdefault(introduction_id, set()).add(username)
    return sorted(found.values(), key=sorted)


def pairs(of: list[set[str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for group in of for pair in combinations(sorted(group), 2)}


def test_a_round_introduces_people_who_share_a_theme(published):
    person("aiko", "防災")
    person("ben", "子ども・教育")
    person("chika", "防災", "環境")
    person("dai", "子ども・教育")

    made = services.introductions_round_start(now=round_moment())

    assert groups() == [{"aiko", "chika"}, {"ben", "dai"}]
    assert made.opted_in == 4 and made.introduced == 4 and made.left_out == 0
    assert set(Introduction.objects.values_list("channel", flat=True)) == {Channel.WEB}
    shared = dict(Introduction.objects.values_list("people__member__username", "shared_interests"))
    assert shared["aiko"] == ["防災"] and shared["ben"] == ["子ども・教育"]


def test_the_round_runs_once_per_period_however_often_its_task_runs(published):
    for name in ("aiko", "ben", "chika"):
        person(name, "食")

    with time_machine.travel(round_moment(), tick=False):
        tasks.run_introductions()
        tasks.run_introductions()
    with time_machine.travel(round_moment() + timedelta(days=13), tick=False):
        tasks.run_introductions()

    assert IntroductionRound.objects.count() == 1
    assert Introduction.objects.count() == 1  # three people: one group of three
    assert groups() == [{"aiko", "ben", "chika"}]


def test_no_round_before_its_hour_on_its_first_day(published):
    person("aiko", "食")
    person("ben", "食")

    assert services.introductions_round_start(now=round_moment(hour=9, minute=59)) is None
    assert services.introductions_round_start(now=round_moment(hour=10, minute=0)) is not None


def test_an_odd_count_makes_one_group_of_three(published):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        person(name, "環境")

    services.introductions_round_start(now=round_moment())

    assert sorted(len(group) for group in groups()) == [2, 3]


def test_paused_and_unasked_and_team_only_members_are_skipped(published):
    person("aiko", "防災")
    person("ben", "防災")
    person("paused", "防災", introductions=Introductions.PAUSED)
    person("never", "防災", introductions=Introductions.OFF)
    person("private", "防災", profile_visibility=ProfileVisibility.TEAM)
    person("gone", "防災", is_active=False)

    made = services.introductions_round_start(now=round_moment())

    assert groups() == [{"aiko", "ben"}]
    assert (made.opted_in, made.paused, made.introduced) == (2, 1, 2)


def test_no_pair_repeats_within_a_year(published):
    for name in ("aiko", "ben", "chika", "dai"):
        person(name, "まちづくり")
    seen: list[set[frozenset[str]]] = []
    for period in range(3):
        before = pairs(groups())
        services.introductions_round_start(now=round_moment(period))
        seen.append(pairs(groups()) - before)

    # Four people can make three rounds of two pairs, all different.
    assert [len(new) for new in seen] == [2, 2, 2]
    assert len(set().union(*seen)) == 6

    # Everyone has met everyone within the year: the next round introduces nobody.
    made = services.introductions_round_start(now=round_moment(3))
    assert (made.introduced, made.left_out) == (0, 4)


def test_a_pair_may_meet_again_after_a_year(published):
    person("aiko", "農業")
    person("ben", "農業")
    services.introductions_round_start(now=round_moment())

    eleven_months = services.introductions_round_start(now=round_moment(24))
    a_year_on = services.introductions_round_start(now=round_moment(27))

    assert eleven_months.introduced == 0
    assert a_year_on.introduced == 2


def test_people_on_a_team_together_meet_others_first(published):
    aiko, ben = person("aiko", "福祉"), person("ben", "福祉")
    chika, dai = person("chika", "福祉"), person("dai", "福祉")
    team = make_proposal(proposer=aiko)
    Membership.objects.create(proposal=team, user=ben, status=MembershipStatus.ACCEPTED, role="x")
    other = make_proposal(proposer=chika)
    Membership.objects.create(proposal=other, user=dai, status=MembershipStatus.ACCEPTED, role="x")

    services.introductions_round_start(now=round_moment())

    assert pairs(groups()).isdisjoint({frozenset({"aiko", "ben"}), frozenset({"chika", "dai"})})


def test_people_not_on_slack_hear_of_it_in_the_app_and_by_email(
    published, django_capture_on_commit_callbacks
):
    aiko = person("aiko", "防災", display_name="あいこ")
    ben = person("ben", "防災", display_name="Ben")

    with django_capture_on_commit_callbacks(execute=True):
        services.introductions_round_start(now=round_moment())

    [page] = worker_selectors.notification_page(user=aiko).groups
    [item] = page.items
    assert item.kind == EventKind.INTRODUCED
    assert item.text == "Meet Ben! You share an interest in 防災."
    assert item.quote in {
        f"A first question to ask: {question % {'theme': '防災'}}"
        for question in THEME_QUESTIONS.values()
    }
    assert item.url.startswith("/introductions/#introduction-")
    [ben_item] = worker_selectors.notification_page(user=ben).groups[0].items
    assert ben_item.text == "Meet あいこ! You share an interest in 防災."
    # An introduction's email goes at once (EMAIL_DEFAULTS), to each of them.
    for call in published:
        if call.name == "workers.deliver":
            dispatch.process(*call.args)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "aiko@example.org",
        "ben@example.org",
    ]
    assert "Meet Ben!" in next(m for m in mail.outbox if m.to == ["aiko@example.org"]).subject


def test_a_round_takes_as_many_queries_for_thirty_people_as_for_six(published):
    def queries_for(count: int, period: int) -> int:
        for number in range(count):
            person(f"r{period}-{number}", "防災", "環境")
        with CaptureQueriesContext(connection) as run:
            services.introductions_round_start(now=round_moment(period))
        return len(run.captured_queries)

    few = queries_for(6, 0)
    IntroductionMember.objects.all().delete()  # a fresh community for the second count
    Introduction.objects.all().delete()
    get_user_model().objects.update(introductions=Introductions.OFF)

    assert queries_for(30, 1) == few
