"""Events and their deliveries: who hears what, the after-commit publish, cheers batched, the
periodic events (reminders, nudges), and the inbox writes."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Membership, Proposal
from proposals.tests.factories import add_member, make_proposal
from workers import publish, selectors
from workers import services as notify
from workers.events import Channel, EmailMode, EventKind
from workers.models import Delivery, DeliveryStatus, EmailPreference, Event

pytestmark = pytest.mark.django_db

ROLES = ("proposer", "member", "follower", "actor", "outsider")


def _community():
    proposal = make_proposal()
    people = {
        "proposer": proposal.proposer,
        "member": add_member(proposal).user,
        "follower": UserFactory(),
        "actor": UserFactory(moderator=True),
        "outsider": UserFactory(),
    }
    services.follow_set(proposal=proposal, user=people["follower"], following=True)
    return proposal, people


def _act(kind: str, proposal, people) -> dict:
    """Make `kind` happen with people["actor"] acting; returns extra people involved."""
    actor = people["actor"]
    if kind == EventKind.TRANSITIONED:
        services.proposal_transition(proposal=proposal, to="discussion", by=actor)
    elif kind == EventKind.JOIN_REQUESTED:
        services.membership_request(proposal=proposal, user=actor, role="designer")
    elif kind in (EventKind.JOIN_ACCEPTED, EventKind.JOIN_DECLINED):
        applicant = UserFactory()
        membership = services.membership_request(proposal=proposal, user=applicant, role="x")
        decide = (
            services.membership_accept
            if kind == EventKind.JOIN_ACCEPTED
            else services.membership_decline
        )
        decide(membership=membership, by=actor)
        return {"applicant": applicant}
    elif kind == EventKind.MEMBER_LEFT:
        add_member(proposal, actor)
        Event.objects.all().delete()
        services.membership_leave(proposal=proposal, user=actor)
    elif kind == EventKind.COMMENTED:
        services.comment_create(proposal=proposal, author=actor, body="いいですね！")
    elif kind == EventKind.CHEERED:
        services.cheer_toggle(proposal=proposal, user=actor)
    return {}


# Who gets an in-app notification: events × (proposer, member, follower, actor, outsider).
RECIPIENTS = {
    EventKind.TRANSITIONED: (True, True, True, False, False),
    EventKind.JOIN_REQUESTED: (True, False, False, False, False),
    EventKind.JOIN_ACCEPTED: (True, True, True, False, False),
    EventKind.JOIN_DECLINED: (False, False, False, False, False),
    EventKind.MEMBER_LEFT: (True, True, True, False, False),
    EventKind.COMMENTED: (True, True, True, False, False),
    EventKind.CHEERED: (True, True, True, False, False),
}


@pytest.mark.parametrize("kind", list(RECIPIENTS))
def test_recipients_table(kind):
    proposal, people = _community()
    Event.objects.all().delete()

    extra = _act(kind, proposal, people)

    event = Event.objects.get(kind=kind)
    heard = set(
        event.deliveries.filter(channel=Channel.INAPP).values_list("recipient_id", flat=True)
    )
    expected = {
        people[role].pk for role, hears in zip(ROLES, RECIPIENTS[kind], strict=True) if hears
    }
    if "applicant" in extra:
        # The person whose request was answered always hears the answer.
        expected.add(extra["applicant"].pk)
    assert heard == expected


def test_a_new_proposal_notifies_nobody_personally_but_goes_to_slack(settings):
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    proposal = make_proposal()
    event = Event.objects.get(kind=EventKind.SUBMITTED, proposal=proposal)
    assert list(event.deliveries.values_list("channel", "recipient_id", "status")) == [
        (Channel.SLACK, None, DeliveryStatus.PENDING)
    ]


def test_without_a_slack_token_slack_deliveries_are_skipped(settings):
    settings.SLACK_BOT_TOKEN = ""
    proposal = make_proposal()
    delivery = Delivery.objects.get(event__proposal=proposal, channel=Channel.SLACK)
    assert delivery.status == DeliveryStatus.SKIPPED


def test_email_defaults_join_requests_immediately_the_rest_in_the_digest():
    proposal, people = _community()
    Event.objects.all().delete()
    services.membership_request(proposal=proposal, user=people["outsider"], role="designer")
    services.comment_create(proposal=proposal, author=people["outsider"], body="hello")

    emails = Delivery.objects.filter(channel=Channel.EMAIL)
    assert [(d.event.kind, d.recipient_id) for d in emails] == [
        (EventKind.JOIN_REQUESTED, people["proposer"].pk)
    ]


def test_email_preferences_are_respected():
    proposal, people = _community()
    Event.objects.all().delete()
    EmailPreference.objects.create(
        user=people["proposer"], kind=EventKind.JOIN_REQUESTED, mode=EmailMode.OFF
    )
    EmailPreference.objects.create(
        user=people["member"], kind=EventKind.COMMENTED, mode=EmailMode.IMMEDIATELY
    )
    services.membership_request(proposal=proposal, user=people["outsider"], role="designer")
    services.comment_create(proposal=proposal, author=people["outsider"], body="hello")

    emails = Delivery.objects.filter(channel=Channel.EMAIL)
    assert [(d.event.kind, d.recipient_id) for d in emails] == [
        (EventKind.COMMENTED, people["member"].pk)
    ]


def test_a_rolled_back_change_records_and_sends_nothing(django_capture_on_commit_callbacks):
    proposal, people = _community()
    Event.objects.all().delete()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.comment_create(proposal=proposal, author=people["outsider"], body="hi")
        services.membership_request(proposal=proposal, user=people["outsider"], role="x")
        raise RuntimeError("something later in the request failed")
    assert callbacks == []
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()


def test_pending_deliveries_are_published_by_name_after_commit(
    django_capture_on_commit_callbacks, published, settings
):
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    proposal, people = _community()
    Event.objects.all().delete()
    published.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.membership_request(proposal=proposal, user=people["outsider"], role="x")
    assert published == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    pending = Delivery.objects.filter(
        event__kind=EventKind.JOIN_REQUESTED, status=DeliveryStatus.PENDING
    ).order_by("pk")
    assert {d.channel for d in pending} == {Channel.EMAIL, Channel.SLACK}
    # Email deliveries are published one by one; a Slack one pokes its channel's ordered sender.
    emails = [(d.pk,) for d in pending if d.channel == Channel.EMAIL]
    assert sorted(job.args for job in published if job.name == publish.DELIVER) == emails
    assert [job.args for job in published if job.name == publish.RELAY_CHANNEL] == [("C0MAIN",)]
    assert {job.name for job in published} == {publish.DELIVER, publish.RELAY_CHANNEL}
    # Task arguments and payloads are plain JSON.
    for job in published:
        assert json.loads(json.dumps(job.args)) == list(job.args)
    for event in Event.objects.all():
        assert json.loads(json.dumps(event.payload)) == event.payload


def test_a_broker_failure_at_commit_does_not_fail_the_change(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    proposal, people = _community()

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(publish.app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(proposal=proposal, author=people["outsider"], body="x")
        services.proposal_update(proposal=proposal, by=proposal.proposer, title="Edited")
    assert comment.pk
    assert Proposal.objects.get(pk=proposal.pk).title == "Edited"
    assert Delivery.objects.filter(
        event__kind=EventKind.COMMENTED, channel=Channel.SLACK, status=DeliveryStatus.PENDING
    ).exists()


def test_cheers_are_batched_into_one_event_per_window(settings):
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.WORKERS_CHEER_WINDOW_SECONDS = 3600
    proposal, people = _community()
    cheerers = [UserFactory() for _ in range(5)]
    for user in cheerers:
        services.cheer_toggle(proposal=proposal, user=user)
    services.cheer_toggle(proposal=proposal, user=cheerers[0])  # take it back
    services.cheer_toggle(proposal=proposal, user=cheerers[0])  # and cheer again

    event = Event.objects.get(kind=EventKind.CHEERED)
    assert event.payload["cheerer_ids"] == [user.pk for user in cheerers]
    slack = event.deliveries.get(channel=Channel.SLACK)
    assert slack.not_before > event.created_at  # sent when the window closes
    heard = set(
        event.deliveries.filter(channel=Channel.INAPP).values_list("recipient_id", flat=True)
    )
    assert heard == {people["proposer"].pk, people["member"].pk, people["follower"].pk}


def test_record_event_runs_inside_the_callers_transaction():
    proposal, _people = _community()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.record_event(kind=EventKind.NUDGE, proposal=proposal)
        raise RuntimeError
    assert not Event.objects.filter(kind=EventKind.NUDGE).exists()


def test_unanswered_join_requests_remind_moderators_after_three_days_once():
    moderator = UserFactory(moderator=True)
    proposal = make_proposal()
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    assert notify.join_requests_remind() == 0
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(days=3, minutes=1)
    )
    assert notify.join_requests_remind() == 1
    assert notify.join_requests_remind() == 0
    event = Event.objects.get(kind=EventKind.JOIN_REMINDER)
    heard = set(event.deliveries.filter(channel=Channel.INAPP).values_list("recipient", flat=True))
    assert heard == {moderator.pk}


def test_only_quiet_proposals_are_nudged_and_only_their_proposer_hears(settings):
    settings.WORKERS_NUDGE_QUIET_DAYS = 30
    quiet = make_proposal()
    make_proposal()
    services.follow_set(proposal=quiet, user=UserFactory(), following=True)
    Proposal.objects.filter(pk=quiet.pk).update(
        last_activity_at=timezone.now() - timedelta(days=30, minutes=1)
    )
    assert notify.quiet_proposals_nudge() == 1
    event = Event.objects.get(kind=EventKind.NUDGE)
    assert event.proposal_id == quiet.pk
    heard = set(event.deliveries.filter(channel=Channel.INAPP).values_list("recipient", flat=True))
    assert heard == {quiet.proposer_id}


def test_marking_read_touches_only_the_members_own_inbox():
    proposal, people = _community()
    Event.objects.all().delete()
    services.comment_create(proposal=proposal, author=people["outsider"], body="hello")
    services.comment_create(proposal=proposal, author=people["outsider"], body="again")
    mine = Delivery.objects.filter(channel=Channel.INAPP, recipient=people["member"]).first()

    assert notify.notification_mark_read(user=people["follower"], delivery_id=mine.pk) is False
    assert notify.notification_mark_read(user=people["member"], delivery_id=mine.pk) is True
    assert notify.notification_mark_read(user=people["member"], delivery_id=mine.pk) is False
    assert selectors.unread_count(user=people["member"]) == 1
    assert notify.notification_mark_all_read(user=people["member"]) == 1
    assert selectors.unread_count(user=people["member"]) == 0
    assert selectors.unread_count(user=people["follower"]) == 2
