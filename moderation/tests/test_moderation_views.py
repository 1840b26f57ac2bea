"""The moderators' page: who may open it, and each of its actions through the real services."""

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.models import Comment, Membership, Proposal
from proposals.tests.factories import make_proposal
from workers.events import Channel
from workers.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(client):
    user = UserFactory(moderator=True)
    client.force_login(user)
    return user


def _failed_email(proposal) -> Delivery:
    event = Event.objects.filter(proposal=proposal).first()
    return Delivery.objects.create(
        event=event,
        channel=Channel.EMAIL,
        recipient=proposal.proposer,
        proposal=proposal,
        status=DeliveryStatus.FAILED,
        attempts=5,
        last_error="SMTP said no: mailbox full",
    )


def test_only_moderators_open_the_page(client):
    response = client.get(reverse("moderation:page"))
    assert response.status_code == 302 and "login" in response["Location"]

    client.force_login(UserFactory())
    response = client.get(reverse("moderation:page"))
    assert response.status_code == 403
    assert "moderators" in response.content.decode()
    comment = services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")
    response = client.post(
        reverse("moderation:comment_visibility", args=[comment.pk]), {"hidden": "1"}
    )
    assert response.status_code == 403
    assert not Comment.objects.get(pk=comment.pk).is_hidden


def test_the_page_shows_what_needs_a_moderator(client, moderator, django_assert_max_num_queries):
    proposal = make_proposal(title="Repair café", status=Status.DISCUSSION)
    applicant = UserFactory(display_name="Mika")
    services.membership_request(proposal=proposal, user=applicant, role="host", message="I can")
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="Rude words")
    services.comment_set_hidden(comment=comment, by=moderator, hidden=True)
    _failed_email(proposal)
    for index in range(5):
        make_proposal(title=f"Other {index}")

    with django_assert_max_num_queries(16):
        response = client.get(reverse("moderation:page"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mika" in html and "I can" in html
    assert "Rude words" in html and "Show again" in html
    assert "mailbox full" in html
    assert "Repair café" in html and "Other 4" in html


def test_hide_and_show_a_comment(client, moderator):
    comment = services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")
    url = reverse("moderation:comment_visibility", args=[comment.pk])

    response = client.post(url, {"hidden": "1"}, follow=True)
    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert "The comment is hidden." in response.content.decode()

    client.post(url, {"hidden": "0"})
    assert not Comment.objects.get(pk=comment.pk).is_hidden


def test_move_a_proposal_and_a_blocked_move_says_why(client, moderator):
    proposal = make_proposal(status=Status.DISCUSSION, roles=())
    url = reverse("moderation:move", args=[proposal.pk])
    page = client.get(reverse("moderation:page")).content.decode()
    assert "First say which roles you are looking for" in page

    response = client.post(
        url, {"to": Status.TEAM_FORMING, "seen_status": Status.DISCUSSION}, follow=True
    )
    assert Proposal.objects.get(pk=proposal.pk).status == Status.DISCUSSION
    assert "roles" in response.content.decode()

    response = client.post(url, {"to": Status.IDEA, "seen_status": Status.DISCUSSION}, follow=True)
    assert response.redirect_chain[-1][0].endswith("#proposals")
    assert Proposal.objects.get(pk=proposal.pk).status == Status.DISCUSSION
    response = client.post(
        url, {"to": Status.ARCHIVED, "seen_status": Status.DISCUSSION, "note": "On hold"}
    )
    assert Proposal.objects.get(pk=proposal.pk).status == Status.ARCHIVED


def test_a_move_from_an_old_page_is_a_conflict_not_a_second_move(client, moderator):
    proposal = make_proposal(status=Status.DISCUSSION)
    response = client.post(
        reverse("moderation:move", args=[proposal.pk]),
        {"to": Status.ARCHIVED, "seen_status": Status.IDEA, "note": "x"},
        follow=True,
    )
    assert Proposal.objects.get(pk=proposal.pk).status == Status.DISCUSSION
    assert response.status_code == 200


def test_retry_a_failed_delivery(client, moderator):
    delivery = _failed_email(make_proposal())

    response = client.post(reverse("moderation:retry"), {"delivery": str(delivery.pk)}, follow=True)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert "on its way again" in response.content.decode()
    response = client.post(reverse("moderation:retry"), {"delivery": "nope"}, follow=True)
    assert "Nothing to retry" in response.content.decode()


def test_answer_join_requests_from_the_page(client, moderator):
    proposal = make_proposal()
    first = services.membership_request(proposal=proposal, user=UserFactory(), role="a")
    second = services.membership_request(proposal=proposal, user=UserFactory(), role="b")

    client.post(reverse("moderation:accept", args=[first.pk]), {"response": "Welcome!"})
    client.post(reverse("moderation:decline", args=[second.pk]), {"response": "Not now, sorry"})
    response = client.post(reverse("moderation:decline", args=[second.pk]), follow=True)

    assert Membership.objects.get(pk=first.pk).status == MembershipStatus.ACCEPTED
    declined = Membership.objects.get(pk=second.pk)
    assert declined.status == MembershipStatus.DECLINED and declined.response == "Not now, sorry"
    assert "already been answered" in response.content.decode()


def test_the_menu_leads_moderators_to_moderation_and_no_one_else(client):
    page = reverse("moderation:page")
    client.force_login(UserFactory(moderator=True))
    assert f'href="{page}"' in client.get(reverse("proposals:board")).content.decode()
    client.force_login(UserFactory())
    assert f'href="{page}"' not in client.get(reverse("proposals:board")).content.decode()
