"""'Teams looking for someone like you' in the member's email digest (issue 13): up to three, from
the one scorer with its explanation, at most once a week, only for a member open to suggestions,
and never a mail of its own."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import dispatch
from workers.models import EmailDigest, Event

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = date(2031, 3, 3)
HEADING = "Teams looking for someone like you"


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(datetime(2031, 3, 3, 8, 0, tzinfo=TOKYO), tick=False) as traveller:
        yield traveller


@pytest.fixture
def member():
    return UserFactory(preferred_language="en", interests=["福祉"], skills="デザイン、写真")


@pytest.fixture
def teams():
    """Four recruiting teams that fit the member, best first, and one that does not."""
    made = {
        name: make_proposal(title=name, tags=tags, roles=roles, status="team_forming")
        for name, tags, roles in [
            ("見守り隊", ["福祉"], ("デザイン",)),  # 3 + 2
            ("写真展", ["環境"], ("写真",)),  # 2
            ("子ども食堂", ["福祉"], ("料理",)),  # 3
            ("防災マップ", ["福祉"], ("会計",)),  # 3
            ("読書会", ["学び合い"], ("司会",)),  # nothing in common
        ]
    }
    return made


def something_new_for(member, day: date) -> None:
    """An unread notification, so that the day's digest goes at all."""
    proposal = make_proposal(title=f"お知らせ {day}")
    services.follow_set(proposal=proposal, user=member, following=True)
    services.comment_create(proposal=proposal, author=UserFactory(), body="こんにちは")


def digest_of(member, day: date) -> str:
    mail.outbox.clear()
    something_new_for(member, day)
    assert dispatch.digest_send(user_id=member.pk, day=day.isoformat())
    [message] = mail.outbox
    return message.body


def section(body: str) -> str:
    if HEADING not in body:
        return ""
    start = body.index(HEADING)
    return body[start : body.index("\n--", start)]


def test_the_digest_suggests_three_teams_with_the_explanation(member, teams):
    body = digest_of(member, MONDAY)
    found = section(body)
    assert found.splitlines()[1:4] == [
        "- 見守り隊 (Interests: 福祉 · Skills: デザイン)",
        f"  http://testserver/proposals/{teams['見守り隊'].pk}/",
        "- 防災マップ (Interests: 福祉)",  # equals: the most recently active first
    ]
    assert found.count("\n- ") == 3
    assert "写真展" not in found and "読書会" not in found
    assert "http://testserver/members/settings/#visibility" in found  # where to say no
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert HEADING in html and "Interests: 福祉 · Skills: デザイン" in html
    assert EmailDigest.objects.get(user=member, day=MONDAY).suggestion_count == 3


def test_at_most_once_a_week(member, teams, _morning):
    assert section(digest_of(member, MONDAY))
    for offset in range(1, 7):
        _morning.move_to(datetime(2031, 3, 3 + offset, 8, 0, tzinfo=TOKYO))
        assert section(digest_of(member, MONDAY + timedelta(days=offset))) == ""
    _morning.move_to(datetime(2031, 3, 10, 8, 0, tzinfo=TOKYO))
    assert section(digest_of(member, MONDAY + timedelta(days=7)))


def test_a_member_not_open_to_suggestions_gets_none(member, teams):
    type(member).objects.filter(pk=member.pk).update(open_to_suggestions=False)
    body = digest_of(member, MONDAY)
    assert section(body) == "" and "見守り隊" not in body
    assert EmailDigest.objects.get(user=member, day=MONDAY).suggestion_count == 0


def test_nothing_that_fits_no_section_and_the_week_is_not_used_up(member):
    make_proposal(title="読書会", tags=["学び合い"], roles=("司会",), status="team_forming")
    assert section(digest_of(member, MONDAY)) == ""
    assert EmailDigest.objects.get(user=member, day=MONDAY).suggestion_count == 0


def test_suggestions_alone_never_send_a_digest(member, teams):
    Event.objects.all().delete()
    assert dispatch.digest_send(user_id=member.pk, day=MONDAY.isoformat()) is False
    assert mail.outbox == []


def test_in_japanese_the_explanation_is_in_japanese(member, teams):
    type(member).objects.filter(pk=member.pk).update(preferred_language="ja")
    found = digest_of(member, MONDAY)
    assert "- 見守り隊 (関心：福祉 · スキル：デザイン)" in found
