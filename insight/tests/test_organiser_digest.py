"""The organisers' weekly digest on the fixed data set of dataset.py: the figures of the week just
ended and of the week before, worked out by hand, to each moderator once a week, in the app and
by email in their language and time zone; off when they turn it off.

Beat sends it on Mondays. Here it runs on Monday 23 March 2026 (the week of 16–22 March) and
Monday 30 March (the week of 23–29 March), at 08:30 in Tokyo. The data set also holds what
happens in April; none of it falls in these weeks, and the figures of the moment (quiet
proposals, waiting requests) are worked out from the proposals' stages and last activity as they
stand, which April leaves as they were for them."""

from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils.translation import override

from insight import services as insight_services
from members.tests.factories import UserFactory
from workers import dispatch, selectors, tasks
from workers import services as notify
from workers.events import DIGEST_FIGURES, Channel, EmailMode, EventKind, figure_rows, summary
from workers.models import Delivery, EmailPreference, Event

from .dataset import TOKYO, at, build

pytestmark = pytest.mark.django_db

FIRST_MONDAY = at(3, 23, 8, 30)
SECOND_MONDAY = at(3, 30, 8, 30)

# The week of 9–15 March, 16–22 March and 23–29 March, each as its digest counts it.
WEEK_OF_9_MARCH = {
    "ideas": 1,  # p3
    "reached_discussion": 0,
    "reached_team_forming": 0,
    "reached_running": 0,
    "reached_done": 0,
    "first_time_joiners": 1,  # carol (p1, 11 March)
    # alice moved p1 and p2, bob proposed p3 and commented, carol, erin and dave asked to join.
    "active_members": 5,
    "meetups_held": 0,
    "meetup_attendances": 0,
}
WEEK_OF_16_MARCH = {
    "ideas": 0,
    "reached_discussion": 0,
    "reached_team_forming": 0,
    "reached_running": 0,
    "reached_done": 0,
    "first_time_joiners": 0,
    "active_members": 1,  # alice (p1 running, p2 reopened and back in discussion)
    # On 23 March at 08:30: p0 (since 10 February) and p6 (since December) are quiet; p2 and
    # p3 had news in March. Dave's request on p3 waits, since 12 March 10:00: 10 days.
    "quiet_proposals": 2,
    "join_requests_waiting": 1,
    "oldest_request_days": 10,
    "meetups_held": 1,  # m2 on 20 March: alice and dave came (bob was marked as not come)
    "meetup_attendances": 2,
}
WEEK_OF_23_MARCH = {
    "ideas": 1,  # p4, which reached discussion and team forming by the 29th
    "reached_discussion": 1,
    "reached_team_forming": 1,
    "reached_running": 0,
    "reached_done": 0,
    "first_time_joiners": 1,  # dave (p4, 28 March)
    # alice moved p1 to done, bob proposed and moved p4, carol cheered it, dave asked to join it.
    "active_members": 4,
    # On 30 March at 08:30: still p0 and p6; dave's request on p3: 17 days.
    "quiet_proposals": 2,
    "join_requests_waiting": 1,
    "oldest_request_days": 17,
    "meetups_held": 0,  # m3 (25 March) was cancelled
    "meetup_attendances": 0,
}
UNKNOWN_THEN = {"quiet_proposals": None, "join_requests_waiting": None, "oldest_request_days": None}


@pytest.fixture
def community():
    return build()


@pytest.fixture
def moderators(community):
    """The data set's moderator (English, the community's time zone) and one who reads Japanese
    in Berlin."""
    berlin = UserFactory(
        username="mod-berlin",
        display_name="ベルリンの係",
        moderator=True,
        preferred_language="ja",
        time_zone="Europe/Berlin",
    )
    community.moderator.preferred_language = "en"
    community.moderator.save(update_fields=["preferred_language"])
    return community.moderator, berlin


def _run(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return tasks.send_organiser_digest()


def _digest(week_start: str) -> Event:
    return Event.objects.get(
        kind=EventKind.ORGANISER_DIGEST, dedupe_key=f"organiser-digest:{week_start}"
    )


def test_each_figure_and_its_change_from_the_week_before(moderators):
    assert _run(FIRST_MONDAY) == 2
    first = _digest("2026-03-16").payload
    assert first["week_start"] == "2026-03-16" and first["week_end"] == "2026-03-22"
    assert first["this_week"] == WEEK_OF_16_MARCH
    # The first digest has no earlier one to say how things stood a week before.
    assert first["last_week"] == WEEK_OF_9_MARCH | UNKNOWN_THEN

    assert _run(SECOND_MONDAY) == 2
    second = _digest("2026-03-23").payload
    assert second["this_week"] == WEEK_OF_23_MARCH
    assert second["last_week"] == WEEK_OF_16_MARCH
    assert second["path"] == (
        f"{reverse('insight:page')}?weeks=custom&start=2026-03-23&end=2026-03-29"
    )
    assert set(second["this_week"]) == set(DIGEST_FIGURES)  # the catalogue names each one

    changes = {row.label: (row.this_week, row.last_week, row.change) for row in _rows(second)}
    assert changes == {
        "New ideas": ("1", "0", "+1"),
        "Of them, reached discussion": ("1", "0", "+1"),
        "Of them, reached team forming": ("1", "0", "+1"),
        "Of them, reached running": ("0", "0", "±0"),
        "Of them, reached done": ("0", "0", "±0"),
        "Members who joined a team for the first time": ("1", "0", "+1"),
        "Active members": ("4", "1", "+3"),
        "Proposals quiet for 30 days or more": ("2", "2", "±0"),
        "Join requests waiting for an answer": ("1", "1", "±0"),
        "Oldest waiting request (days)": ("17", "10", "+7"),
        "Meetups held": ("0", "1", "\u22121"),
        "Times people came": ("0", "2", "\u22122"),
    }


def _rows(payload: dict):
    with override("en"):
        return figure_rows(EventKind.ORGANISER_DIGEST, payload)


def test_the_week_figures_are_the_insight_pages_own(moderators, client):
    """The digest's link opens the insight page for the same week, whose API says the same."""
    _run(SECOND_MONDAY)
    this_week = _digest("2026-03-23").payload["this_week"]
    client.force_login(moderators[0])
    with time_machine.travel(SECOND_MONDAY, tick=False):
        body = client.get("/api/v1/insight", {"start": "2026-03-23", "end": "2026-03-29"}).json()
    stages = {row["stage"]: row["count"] for row in body["conversion"]}
    assert this_week == {
        "ideas": sum(week["count"] for week in body["ideas_per_week"]),
        "reached_discussion": stages["discussion"],
        "reached_team_forming": stages["team_forming"],
        "reached_running": stages["running"],
        "reached_done": stages["done"],
        "first_time_joiners": sum(month["count"] for month in body["first_time_joiners"]),
        "active_members": body["active_people"],
        "quiet_proposals": sum(bucket["count"] for bucket in body["quiet"]),
        "join_requests_waiting": body["join_requests"]["waiting"],
        "oldest_request_days": body["join_requests"]["oldest_days"],
        "meetups_held": body["meetups"]["meetups"],
        "meetup_attendances": body["meetups"]["attendances"],
    }


def test_once_per_moderator_and_week_however_often_beat_runs(community, moderators):
    assert _run(SECOND_MONDAY) == 2
    assert _run(SECOND_MONDAY) == 0  # beat ran twice at once
    assert _run(at(4, 2, 12)) == 0  # and again on Thursday
    assert insight_services.organiser_digest_record(now=SECOND_MONDAY) == 0
    event = Event.objects.get(kind=EventKind.ORGANISER_DIGEST)
    moderator_ids = {moderator.pk for moderator in moderators}
    for channel in (Channel.INAPP, Channel.EMAIL):
        recipients = list(
            event.deliveries.filter(channel=channel).values_list("recipient_id", flat=True)
        )
        assert sorted(recipients) == sorted(moderator_ids), channel
    # Nobody else hears of it: not the members, not Slack's channel.
    assert Delivery.objects.filter(event=event).count() == 4
    for member in (community.alice, community.bob, community.carol):
        assert not selectors.inbox(user=member).filter(event=event).exists()
    # The next Monday is another week.
    assert _run(at(4, 6, 8, 30)) == 2


def test_no_moderator_no_digest(community):
    community.moderator.groups.clear()
    assert _run(SECOND_MONDAY) == 0
    assert not Event.objects.filter(kind=EventKind.ORGANISER_DIGEST).exists()


def test_in_the_app_one_notification_that_opens_the_insight_page(moderators, client):
    _run(SECOND_MONDAY)
    moderator = moderators[0]
    [group] = selectors.notification_groups(user=moderator)
    [item] = group.items
    assert item.url == f"{reverse('insight:page')}?weeks=custom&start=2026-03-23&end=2026-03-29"
    client.force_login(moderator)
    page = client.get(reverse("workers:list")).content.decode()
    assert "The community’s week in figures: Mar 23, 2026 – Mar 29, 2026" in page
    with time_machine.travel(SECOND_MONDAY, tick=False):
        assert client.get(item.url).status_code == 200


def test_the_email_is_a_table_of_this_week_the_week_before_and_the_change(moderators):
    _run(FIRST_MONDAY)
    _run(SECOND_MONDAY)
    message = _email_to_week(moderators[0], "2026-03-23")
    assert message.subject == (
        "[incubator] The community’s week in figures: Mar 23, 2026 – Mar 29, 2026"
    )
    body = message.body
    assert "Active members: 4 (the week before: 1, +3)" in body
    assert "Meetups held: 0 (the week before: 1, \u22121)" in body
    assert "Oldest waiting request (days): 17 (the week before: 10, +7)" in body
    # The moment the waiting and quiet ones were counted, in the reader's zone (Tokyo's).
    assert "as of Mar 30, 2026, 8:30 AM" in body
    assert (
        "http://testserver/insight/?weeks=custom&amp;start=2026-03-23&amp;end=2026-03-29"
        not in body
    )
    assert "http://testserver/insight/?weeks=custom&start=2026-03-23&end=2026-03-29" in body
    # Its lines are the catalogue's plain-text summary, which any other channel (a Slack DM)
    # sends as it is; kinds said in one sentence have none.
    with override("en"):
        assert summary(EventKind.ORGANISER_DIGEST, _digest("2026-03-23").payload) in body
        assert summary(EventKind.COMMENTED, {"title": "p1"}) == ""
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'lang="en"' in html
    assert '<th scope="row"' in html and "+3</td>" in html and "\u22121</td>" in html
    assert 'href="http://testserver/insight/?weeks=custom&amp;start=2026-03-23' in html


def _email_to_week(moderator, week_start: str) -> mail.EmailMessage:
    delivery = Delivery.objects.get(
        channel=Channel.EMAIL, recipient=moderator, event=_digest(week_start)
    )
    mail.outbox.clear()
    assert dispatch.process(delivery.pk).result == "sent"
    [message] = mail.outbox
    assert message.to == [moderator.email]
    return message


def test_the_email_in_japanese_and_the_readers_time_zone(moderators):
    _run(SECOND_MONDAY)
    berlin = moderators[1]
    message = _email_to_week(berlin, "2026-03-23")
    # Days in Japanese's one date format; 08:30 in Tokyo is 01:30 in Berlin (summer time).
    assert "2026年3月23日" in message.subject and "2026年3月29日" in message.subject
    assert "2026年3月30日 1:30" in message.body
    html, _mimetype = message.alternatives[0]
    assert 'lang="ja"' in html
    assert "ベルリンの係" in message.body


def test_a_moderator_can_turn_it_off_and_members_never_see_it(moderators, community, client):
    moderator, berlin = moderators
    client.force_login(berlin)
    page = client.get(reverse("workers:email_settings"))
    rows = {row.kind: row.mode for row in page.context["rows"]}
    assert rows[EventKind.ORGANISER_DIGEST] == EmailMode.IMMEDIATELY
    client.post(
        reverse("workers:email_settings"), {f"mode-{EventKind.ORGANISER_DIGEST}": EmailMode.OFF}
    )

    client.force_login(community.alice)
    page = client.get(reverse("workers:email_settings"))
    assert EventKind.ORGANISER_DIGEST not in {row.kind for row in page.context["rows"]}
    assert f"mode-{EventKind.ORGANISER_DIGEST}" not in page.content.decode()
    # A member cannot save a choice for it either.
    notify.email_preferences_set(
        user=community.alice, modes={EventKind.ORGANISER_DIGEST: EmailMode.OFF}
    )
    assert not EmailPreference.objects.filter(user=community.alice).exists()

    _run(SECOND_MONDAY)
    event = _digest("2026-03-23")
    emailed = event.deliveries.filter(channel=Channel.EMAIL)
    assert list(emailed.values_list("recipient_id", flat=True)) == [moderator.pk]
    # The weekly notification stays in the app, as the settings page says of every kind.
    assert event.deliveries.filter(channel=Channel.INAPP, recipient=berlin).exists()


def test_the_week_is_the_whole_week_before_in_the_communitys_days():
    # Monday 00:10 in Tokyo is still Sunday in UTC: the week just ended is Tokyo's.
    assert insight_services.digest_week(datetime(2026, 3, 30, 0, 10, tzinfo=TOKYO)).isoformat() == (
        "2026-03-23"
    )
    # Run late, on Sunday 5 April, it is still about the week of 23 March.
    assert insight_services.digest_week(at(4, 5, 23)).isoformat() == "2026-03-23"


def test_a_moderator_who_chose_slack_gets_the_figures_in_the_dm(moderators, settings):
    """The DM says what the email's table says: each figure, the week before and the change."""
    from workers.channels import slack_dm
    from workers.models import SlackDmPreference

    settings.SLACK_BOT_TOKEN = "xoxb-test"
    english, _berlin = moderators
    english.slack_user_id = "U0MOD"
    english.save(update_fields=["slack_user_id"])
    SlackDmPreference.objects.create(user=english, kind=EventKind.ORGANISER_DIGEST, enabled=True)
    _run(FIRST_MONDAY)
    dm = Delivery.objects.get(channel=Channel.SLACK_DM, event__kind=EventKind.ORGANISER_DIGEST)
    with override("en"):
        message = slack_dm.prepare(dm).message
    assert "The community’s week in figures" in message.text
    assert "New ideas: " in str(message.blocks) and "(the week before: " in str(message.blocks)
