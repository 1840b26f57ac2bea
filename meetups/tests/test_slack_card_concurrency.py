"""Fifty "going" at once with Slack on: each answer marks the meetup's card in its own transaction
(under the meetup's row lock), none is lost or deadlocked, and the one card update that follows
shows the final counts. On PostgreSQL, one connection per person."""

import os

import pytest

from meetups.models import Rsvp
from members.tests.factories import UserFactory
from workers import relay
from workers.models import SlackThread

# The loopback fake Slack, as the workers' tests use it.
from workers.tests.conftest import _fake_slack_server, fake_slack  # noqa: F401

from .factories import all_going_at_once, make_meetup

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks are PostgreSQL's; SQLite locks the whole file by design",
    ),
]


def test_fifty_answers_at_once_make_one_card_with_the_final_counts(fake_slack, settings):  # noqa: F811
    settings.WORKERS_SLACK_CARD_COALESCE_SECONDS = 0.05
    meetup = make_meetup(capacity=20)
    relay.run("C0MAIN")
    [card] = fake_slack.roots("C0MAIN")
    people = [UserFactory() for _ in range(50)]
    all_going_at_once(meetup, people)
    assert Rsvp.objects.filter(meetup=meetup, status="waitlisted").count() == 31
    # The creation's mark and each of the fifty answers: none lost.
    assert SlackThread.objects.get(meetup=meetup).card_changes == 51

    relay.run("C0MAIN")
    updates = [c.body for c in fake_slack.calls_to("chat.update") if c.body["ts"] == card["ts"]]
    assert updates, "the card was not edited"
    counts = updates[-1]["blocks"][2]["elements"][0]["text"]
    assert counts == "20 of 20 going · 31 waiting · Full: waiting list"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert SlackThread.objects.get(meetup=meetup).card_dirty_at is None
