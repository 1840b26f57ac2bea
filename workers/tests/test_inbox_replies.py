"""The answer to a join request reaches the person who asked: the reply's words and a link to the
proposal, in the app and by email, in their language. Nobody hears of their own joining."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Membership
from proposals.tests.factories import add_member, make_proposal
from workers import selectors
from workers import services as notify
from workers.channels import email
from workers.events import Channel, EmailMode, EventKind
from workers.models import Delivery, EmailPreference, Event

pytestmark = pytest.mark.django_db

REPLY = "Thank you! We are full for now, but come to our next meetup."


def _declined(language: str = "en", reply: str = REPLY):
    proposer = UserFactory(display_name="Aoi")
    proposal = make_proposal(proposer=proposer, title="Repair café")
    applicant = UserFactory(preferred_language=language)
    membership = services.membership_request(proposal=proposal, user=applicant, role="host")
    services.membership_decline(membership=membership, by=proposer, response=reply)
    return proposal, applicant


@pytest.mark.parametrize(
    ("language", "headline"),
    [
        ("en", "Your request to join “Repair café” was answered."),
        ("ja", "「Repair café」への参加希望に返事が届きました。"),
    ],
)
def test_a_declined_member_reads_the_reply_in_the_app(client, language, headline):
    proposal, applicant = _declined(language)
    client.force_login(applicant)

    html = client.get(reverse("workers:list")).content.decode()

    assert headline in html
    assert REPLY in html
    assert f'href="/proposals/{proposal.pk}/#team"' in html


def test_the_kind_default_reply_is_shown_when_the_proposer_wrote_none(client):
    _proposal, applicant = _declined(reply="")
    client.force_login(applicant)
    html = client.get(reverse("workers:list")).content.decode()
    assert "Thank you so much for offering." in html
    assert "Aoi replied:" in html


@pytest.mark.parametrize(
    ("language", "headline"),
    [("en", "was answered"), ("ja", "参加希望に返事が届きました")],
)
def test_the_reply_is_in_the_email_right_away(language, headline):
    applicant = UserFactory(preferred_language=language)
    EmailPreference.objects.create(
        user=applicant, kind=EventKind.JOIN_DECLINED, mode=EmailMode.IMMEDIATELY
    )
    proposer = UserFactory()
    proposal = make_proposal(proposer=proposer, title="Repair café")
    membership = services.membership_request(proposal=proposal, user=applicant, role="host")
    services.membership_decline(membership=membership, by=proposer, response=REPLY)
    delivery = Delivery.objects.get(channel=Channel.EMAIL, recipient=applicant)

    with override(email.language_of(applicant)):
        email.send(delivery)

    [message] = mail.outbox
    assert headline in message.subject and headline in message.body
    assert REPLY in message.body
    assert f"http://testserver/proposals/{proposal.pk}/#team" in message.body
    html, _mimetype = message.alternatives[0]
    assert REPLY in html and f'lang="{language}"' in html


def test_the_reply_is_in_the_daily_digest():
    proposal, applicant = _declined("en")

    since = timezone.now() - timedelta(days=1)
    with override(email.language_of(applicant)):
        email.send_digest(applicant, groups=selectors.digest_groups(user=applicant, since=since))

    [message] = mail.outbox
    assert REPLY in message.body and "Aoi replied:" in message.body
    assert f"http://testserver/proposals/{proposal.pk}/" in message.body
    html, _mimetype = message.alternatives[0]
    assert REPLY in html and f'href="http://testserver/proposals/{proposal.pk}/#team"' in html


def test_an_accepted_member_reads_a_welcome_addressed_to_them(client):
    proposer = UserFactory(display_name="Aoi")
    proposal = make_proposal(proposer=proposer, title="Repair café")
    teammate = add_member(proposal, UserFactory(display_name="Sora")).user
    joiner = UserFactory(display_name="Ren")
    membership = services.membership_request(proposal=proposal, user=joiner, role="host")
    services.membership_accept(membership=membership, by=proposer, response="Welcome, Ren!")

    client.force_login(joiner)
    html = client.get(reverse("workers:list")).content.decode()
    assert "Your request to join “Repair café” was accepted." in html
    assert "Welcome, Ren!" in html
    # The third-person line is for the others, not for the person who joined.
    assert "Ren joined" not in html

    client.force_login(teammate)
    html = client.get(reverse("workers:list")).content.decode()
    assert "Ren joined “Repair café” as host." in html
    assert "Welcome, Ren!" not in html


def test_a_moderator_is_not_reminded_of_their_own_waiting_request():
    proposal = make_proposal()
    applicant = UserFactory(moderator=True)
    other_moderator = UserFactory(moderator=True)
    services.membership_request(proposal=proposal, user=applicant, role="host")
    Membership.objects.filter(user=applicant).update(created_at=timezone.now() - timedelta(days=10))

    assert notify.join_requests_remind() == 1

    event = Event.objects.get(kind=EventKind.JOIN_REMINDER)
    heard = set(event.deliveries.filter(channel=Channel.INAPP).values_list("recipient", flat=True))
    assert other_moderator.pk in heard and applicant.pk not in heard
