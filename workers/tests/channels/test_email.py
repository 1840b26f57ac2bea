"""Email: immediate messages and the daily digest, preferences, grouping, both languages."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.translation import override

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import dispatch, publish, selectors
from workers import services as notify
from workers.channels.email import language_of
from workers.events import Channel, EmailMode, EventKind
from workers.models import Delivery, DeliveryStatus, EmailPreference, Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "stage"), [("ja", "アイデア"), ("en", "Idea")])
def test_a_join_request_is_emailed_to_the_proposer_at_once_in_their_language(language, stage):
    proposer = UserFactory(preferred_language=language)
    proposal = make_proposal(proposer=proposer, title="子ども食堂")
    services.membership_request(
        proposal=proposal, user=UserFactory(display_name="Aki"), role="designer", message="ぜひ"
    )
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    assert delivery.recipient == proposer

    assert dispatch.process(delivery.pk).result == "sent"
    [message] = mail.outbox
    assert message.to == [proposer.email]
    assert "子ども食堂" in message.subject and "Aki" in message.subject
    assert "ぜひ" in message.body and "http://testserver/proposals/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'lang="{language}"' in html
    # Headlines are written in the recipient's language, whoever caused them.
    services.proposal_transition(proposal=proposal, to="discussion", by=UserFactory(moderator=True))
    assert stage in _groups(proposer)[0].lines[0]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.external_id == message.extra_headers["Message-ID"]
    assert dispatch.process(delivery.pk).result == "sent"  # a re-run sends nothing
    assert len(mail.outbox) == 1


def _groups(user):
    with override(language_of(user)):
        return selectors.digest_groups(user=user, since=timezone.now() - timedelta(days=1))


def _two_proposals_followed_by(member):
    first = make_proposal(title="Proposal A")
    second = make_proposal(title="Proposal B")
    for proposal in (first, second):
        services.follow_set(proposal=proposal, user=member, following=True)
    Event.objects.all().delete()
    return first, second


def test_the_digest_groups_by_proposal_newest_first_and_skips_what_was_read():
    member = UserFactory()
    first, second = _two_proposals_followed_by(member)
    other = UserFactory()
    services.proposal_transition(proposal=first, to="discussion", by=first.proposer)
    services.comment_create(proposal=second, author=other, body="b1")
    services.comment_create(proposal=first, author=other, body="a1")
    services.proposal_transition(proposal=second, to="discussion", by=second.proposer)
    read = Delivery.objects.get(
        channel=Channel.INAPP, recipient=member, event__kind=EventKind.TRANSITIONED, proposal=second
    )
    notify.notification_mark_read(user=member, delivery_id=read.pk)

    groups = _groups(member)
    assert [g.title for g in groups] == ["Proposal A", "Proposal B"]
    assert [len(g.lines) for g in groups] == [2, 1]
    assert "commented" in groups[0].lines[0] and "moved" in groups[0].lines[1]

    assert dispatch.digest_send(user_id=member.pk, day="2026-11-30") is True
    [message] = mail.outbox
    body = message.body
    assert body.index("Proposal A") < body.index("Proposal B")
    assert body.count("moved") == 1  # the read one is not repeated
    assert "text/html" in message.alternatives[0][1]


def test_the_digest_respects_preferences():
    member = UserFactory()
    first, _second = _two_proposals_followed_by(member)
    EmailPreference.objects.create(user=member, kind=EventKind.COMMENTED, mode=EmailMode.OFF)
    EmailPreference.objects.create(
        user=member, kind=EventKind.TRANSITIONED, mode=EmailMode.IMMEDIATELY
    )
    services.comment_create(proposal=first, author=UserFactory(), body="a1")
    services.proposal_transition(proposal=first, to="discussion", by=first.proposer)
    services.cheer_toggle(proposal=first, user=UserFactory())

    lines = [line for group in _groups(member) for line in group.lines]
    assert len(lines) == 1 and "cheered" in lines[0]
    immediate = Delivery.objects.filter(channel=Channel.EMAIL, recipient=member)
    assert [d.event.kind for d in immediate] == [EventKind.TRANSITIONED]


@pytest.mark.parametrize(("language", "stage"), [("ja", "話し合い"), ("en", "Discussion")])
def test_the_digest_is_in_the_members_language(language, stage):
    member = UserFactory(preferred_language=language)
    first, _second = _two_proposals_followed_by(member)
    services.proposal_transition(proposal=first, to="discussion", by=first.proposer)

    assert dispatch.digest_send(user_id=member.pk, day="2026-11-30")
    [message] = mail.outbox
    assert stage in message.body
    assert f'lang="{language}"' in message.alternatives[0][0]


def test_one_digest_per_member_and_day_and_none_when_nothing_is_new(published):
    member = UserFactory()
    quiet = UserFactory()
    first, _second = _two_proposals_followed_by(member)
    services.comment_create(proposal=first, author=UserFactory(), body="a1")
    published.clear()

    assert dispatch.digests_queue(day=date(2026, 11, 30)) >= 1
    queued = [job.args for job in published if job.name == publish.SEND_DIGEST]
    assert (member.pk, "2026-11-30") in queued
    assert (quiet.pk, "2026-11-30") not in queued
    assert dispatch.digest_send(user_id=member.pk, day="2026-11-30") is True
    assert dispatch.digest_send(user_id=member.pk, day="2026-11-30") is False
    assert dispatch.digest_send(user_id=quiet.pk, day="2026-11-30") is False
    assert len(mail.outbox) == 1


def test_a_member_without_an_address_is_skipped():
    proposer = UserFactory(email="")
    proposal = make_proposal(proposer=proposer)
    services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    delivery = Delivery.objects.get(channel=Channel.EMAIL)
    assert dispatch.process(delivery.pk).result == "skipped"
    assert mail.outbox == []
