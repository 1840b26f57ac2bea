"""Delete my account (issue 16): personal data gone, contributions kept by "a former member",
counts and history true, nothing more sent to them, and every page that showed them still
renders, for another member, a moderator, the API and Slack's cards."""

from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from applications import services as application_services
from applications.models import Application
from applications.tests.factories import waiting_application
from introductions import services as introduction_services
from introductions.tests.factories import round_moment
from meetups import services as meetup_services
from meetups.models import Rsvp
from meetups.tests.factories import make_meetup
from members import services
from members.models import ApiToken, Introductions, User
from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.choices import MembershipStatus
from proposals.models import Cheer, Comment, Follow, Membership, Proposal
from proposals.tests.factories import add_member, make_proposal, slack_origin
from slack_app import blocks
from slack_app.models import SlackEventReceipt
from webhooks import payload as webhook_payload
from webhooks.kinds import WEBHOOK_KINDS
from webhooks.models import Endpoint, WebhookDelivery
from workers import relay
from workers.channels import slack as slack_channel
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, EmailPreference, Event, SlackHome

pytestmark = pytest.mark.django_db

EMAIL = "kazuo.leaving@example.org"
OTHER_EMAIL = "kazuo.second@example.net"
USERNAME = "kazuo-leaves"
NAME = "退会テスト和夫"
BIO = "わたしの秘密の自己紹介文です。週末は山に登ります。"
SLACK_ID = "U0LEAVER77"
FORMER = "a former member"
APPLIED_AS = "Kazuo Taikai-Yamanobe"
HOPES = "山の地図を作ってみたいと思っています。"
TRACES = (EMAIL, OTHER_EMAIL, USERNAME, NAME, BIO, SLACK_ID, APPLIED_AS, HOPES)


@pytest.fixture
def world(settings, django_capture_on_commit_callbacks, published):
    """A member who took part in everything, and the people around them."""
    settings.LANGUAGE_CODE = "en"
    settings.INTRODUCTIONS_EVERY_DAYS = 14
    leaver = UserFactory(
        username=USERNAME,
        email=EMAIL,
        display_name=NAME,
        bio=BIO,
        slack_user_id=SLACK_ID,
        interests=["防災"],
        skills="山登り",
        availability="週末",
        introductions=Introductions.ON,
        preferred_language="en",
    )
    EmailAddress.objects.create(user=leaver, email=EMAIL, verified=True, primary=True)
    EmailAddress.objects.create(user=leaver, email=OTHER_EMAIL, verified=False, primary=False)
    SocialAccount.objects.create(user=leaver, provider="slack", uid=SLACK_ID, extra_data={})
    ApiToken.objects.create(user=leaver, name="my script", key_hash="x" * 64)
    EmailPreference.objects.create(user=leaver, kind=EventKind.COMMENTED, mode="immediately")
    meetup_services.meetup_feed_renew(user=leaver)
    # Slack: their App Home was opened once, and an event they caused is still kept.
    SlackHome.objects.create(slack_user_id=SLACK_ID)
    SlackEventReceipt.objects.create(
        event_id="Ev0LEAVER", type="message", event={"user": SLACK_ID, "text": "山が好き"}
    )

    hanako = UserFactory(
        username="hanako", display_name="はなこ", interests=["防災"], introductions=Introductions.ON
    )
    moderator = UserFactory(username="mod", display_name="世話人", moderator=True)
    third = UserFactory(username="jiro", display_name="じろう")

    # They asked to join first, and were invited.
    application = waiting_application(email=EMAIL, name=APPLIED_AS, call_name=NAME, hopes=HOPES)
    application_services.application_approve(application=application, by=moderator)
    Application.objects.filter(pk=application.pk).update(member=leaver)
    services.member_arrived(user=leaver)
    # A moderators' webhook hears the community's events (each body is fixed when first sent).
    Endpoint.objects.create(
        name="Dashboard", url="https://hooks.example.org/in", secret="s", events=list(WEBHOOK_KINDS)
    )
    # Their own proposal, running with a team, cheered and discussed by others.
    own = make_proposal(proposer=leaver, title="山の防災マップ", status="discussion")
    add_member(own, hanako)
    proposal_services.cheer_set(proposal=own, user=hanako, cheered=True)
    proposal_services.comment_create(proposal=own, author=hanako, body="いいですね！")
    # Someone else's proposal they are on, cheered, follow and commented on.
    theirs = make_proposal(proposer=hanako, title="子ども食堂", status="team_forming")
    membership = add_member(theirs, leaver)
    Membership.objects.filter(pk=membership.pk).update(until=date.today() + timedelta(days=60))
    proposal_services.cheer_set(proposal=theirs, user=leaver, cheered=True)
    proposal_services.follow_set(proposal=theirs, user=leaver, following=True)
    comment = proposal_services.comment_create(
        proposal=theirs, author=leaver, body="配膳を手伝えます。"
    )
    # The proposal came from a message they wrote in Slack.
    slack_origin(theirs, author=leaver, submitted_by=hanako, answer="confirmed")
    # A request still waiting on a third proposal.
    waiting = make_proposal(proposer=third, title="写真展", status="team_forming")
    proposal_services.membership_request(proposal=waiting, user=leaver, role="designer")
    # A full meetup ahead: they are going, someone waits.
    meetup = make_meetup(by=moderator, title="防災の勉強会", capacity=2)  # the host goes
    meetup_services.meetup_answer(meetup=meetup, user=leaver, answer="going")
    meetup_services.meetup_answer(meetup=meetup, user=third, answer="going")
    # An introduction with hanako (they share 防災).
    introduction_services.introductions_round_start(now=round_moment())
    # Something still waiting to be emailed to them.
    proposal_services.comment_create(proposal=own, author=third, body="参加したいです。")
    for delivery in WebhookDelivery.objects.all():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            body=webhook_payload.body_for(delivery)
        )
    return {
        "leaver": leaver,
        "hanako": hanako,
        "moderator": moderator,
        "third": third,
        "own": own,
        "theirs": theirs,
        "waiting": waiting,
        "comment": comment,
        "meetup": meetup,
    }


def _delete(client: Client, user: User, confirmation: str):
    client.force_login(user)
    return client.post(reverse("members:account_delete"), {"confirmation": confirmation})


def _every_row_as_text() -> str:
    """Every row of every table the project has, as text."""
    return "\n".join(
        str(list(model._base_manager.values()))
        for model in apps.get_models()
        if model is not Session
    )


def test_deleting_removes_personal_data_from_every_table(world, client):
    leaver = world["leaver"]
    Client().force_login(leaver)  # a session on another device
    assert any(trace in _every_row_as_text() for trace in TRACES)
    assert NAME in str(list(WebhookDelivery.objects.values_list("body", flat=True)))
    assert HOPES in str(list(Application.objects.values_list("hopes", flat=True)))

    response = _delete(client, leaver, USERNAME)

    assert response.status_code == 302 and response["Location"] == "/"
    text = _every_row_as_text()
    for trace in TRACES:
        assert trace not in text, trace
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(leaver.pk)
    ]
    leaver.refresh_from_db()
    # The moderators' history of requests keeps the decision, not the person.
    assert Application.objects.get(member=leaver).status == "approved"
    assert not leaver.is_active and not leaver.has_usable_password()
    assert leaver.public_name == FORMER
    for model in (ApiToken, EmailAddress, SocialAccount, EmailPreference, Follow):
        assert not model.objects.filter(user=leaver).exists(), model
    # Signed out, and the old password no longer signs in.
    assert client.get(reverse("members:settings")).status_code == 302
    assert not client.login(username=USERNAME, password="pass-word-123")


def test_contributions_stay_by_a_former_member_with_true_counts_and_history(world, client):
    leaver, own, theirs, waiting = world["leaver"], world["own"], world["theirs"], world["waiting"]
    before = Proposal.objects.get(pk=theirs.pk)

    _delete(client, leaver, USERNAME)

    own.refresh_from_db()
    assert own.proposer_id == leaver.pk  # the proposal keeps going, by a former member
    after = Proposal.objects.get(pk=theirs.pk)
    assert Comment.objects.filter(author=leaver, proposal=theirs).exists()
    assert Cheer.objects.filter(user=leaver, proposal=theirs).exists()
    assert after.cheer_count == before.cheer_count == Cheer.objects.filter(proposal=theirs).count()
    assert after.comment_count == before.comment_count
    # They stepped back from the team through the service: the team's count is true, and the
    # history says a former member left.
    membership = Membership.objects.get(proposal=theirs, user=leaver)
    assert membership.status == MembershipStatus.LEFT
    assert after.member_count == before.member_count - 1
    assert after.member_count == theirs.memberships.filter(status="accepted").count()
    left = Event.objects.get(kind=EventKind.MEMBER_LEFT, proposal=theirs)
    assert left.payload["actor_name"] == FORMER
    assert Membership.objects.get(proposal=waiting, user=leaver).status == (
        MembershipStatus.WITHDRAWN
    )
    # Their seat at the meetup went to the person waiting.
    meetup = world["meetup"]
    meetup.refresh_from_db()
    assert Rsvp.objects.get(meetup=meetup, user=world["third"]).status == "going"
    assert meetup.going_count == 2 and meetup.waitlist_count == 0
    # Nothing more is sent to them.
    assert not Delivery.objects.filter(recipient=leaver, status=DeliveryStatus.PENDING).exists()
    assert Delivery.objects.filter(recipient=leaver, status=DeliveryStatus.SKIPPED).exists()
    # The snapshots that named them now say "a former member".
    arrived = Event.objects.get(kind=EventKind.MEMBER_ARRIVED)
    assert arrived.payload["name"] == FORMER
    introduced = Event.objects.filter(kind=EventKind.INTRODUCED).first()
    assert introduced is not None and [leaver.pk, FORMER] in introduced.payload["people"]


def _pages(world) -> list[str]:
    own, theirs, meetup = world["own"], world["theirs"], world["meetup"]
    return [
        "/",
        "/?suited=1",
        reverse("proposals:list"),
        reverse("proposals:detail", args=[own.pk]),
        reverse("proposals:detail", args=[theirs.pk]) + "?all=1",
        reverse("members:directory"),
        reverse("members:profile", args=[world["leaver"].username]),
        reverse("meetups:list"),
        reverse("meetups:detail", args=[meetup.pk]),
        reverse("introductions:mine"),
        reverse("workers:list"),
    ]


def test_every_page_that_showed_them_still_renders(world, client, admin_client):
    leaver = world["leaver"]
    _delete(client, leaver, USERNAME)
    leaver.refresh_from_db()

    for viewer in (world["hanako"], world["moderator"]):
        client.force_login(viewer)
        for path in _pages(world):
            response = client.get(path)
            assert response.status_code == 200, (viewer.username, path)
            assert NAME not in response.content.decode(), path
        detail = client.get(reverse("proposals:detail", args=[world["own"].pk])).content.decode()
        assert FORMER in detail
    client.force_login(world["moderator"])
    for path in (
        reverse("insight:page"),
        reverse("introductions:counts"),
        reverse("moderation:page"),
        reverse("applications:review") + "?status=approved",
    ):
        assert client.get(path).status_code == 200, path
    for path in (
        reverse("admin:members_user_changelist"),
        reverse("admin:members_user_change", args=[leaver.pk]),
        reverse("admin:proposals_proposal_change", args=[world["own"].pk]),
    ):
        assert admin_client.get(path).status_code == 200, path


def test_the_api_and_slack_cards_show_a_former_member(world, client):
    leaver, own = world["leaver"], world["own"]
    _delete(client, leaver, USERNAME)
    _token, raw = services.api_token_create(user=world["hanako"], name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    for path in (
        "/api/v1/proposals",
        f"/api/v1/proposals/{own.pk}",
        f"/api/v1/proposals/{world['theirs'].pk}",
        f"/api/v1/proposals/{world['theirs'].pk}/comments",
        "/api/v1/board",
    ):
        response = api.get(path)
        assert response.status_code == 200, path
        assert NAME not in response.content.decode() and EMAIL not in response.content.decode()
    assert FORMER in api.get(f"/api/v1/proposals/{own.pk}").content.decode()

    card = blocks.card(slack_channel.card_data(Proposal.objects.get(pk=own.pk)), version=2)
    assert FORMER in str(card.blocks) and NAME not in str(card.blocks)
    assert SLACK_ID not in str(card.blocks)


def test_the_slack_card_that_named_them_is_edited(fake_slack, world, client, published):
    own = world["own"]
    relay.run("C0MAIN")
    [card] = [m for m in fake_slack.roots("C0MAIN") if "山の防災マップ" in str(m["blocks"])]
    assert NAME in str(card["blocks"]) or SLACK_ID in str(card["blocks"])

    services.member_delete(user=world["leaver"], confirmation=USERNAME)
    relay.run("C0MAIN")

    [card] = [m for m in fake_slack.roots("C0MAIN") if "山の防災マップ" in str(m["blocks"])]
    assert FORMER in str(card["blocks"])
    assert NAME not in str(card["blocks"]) and SLACK_ID not in str(card["blocks"])
    assert Proposal.objects.get(pk=own.pk).member_count == 2


def test_an_idea_still_waiting_for_them_to_say_its_theirs_stops_waiting(client):
    sharer = UserFactory(display_name="はなこ")
    author = UserFactory(username="kenji", display_name="けんじ", slack_user_id="U0KENJI")
    proposal = make_proposal(proposer=sharer, title="防災マップ")
    origin = slack_origin(proposal, author=author, submitted_by=sharer, ts="1700000000.000900")
    client.force_login(sharer)
    page = reverse("proposals:detail", args=[proposal.pk])
    assert "waiting for them to confirm" in client.get(page).content.decode()
    assert "waiting for them to confirm" in client.get("/").content.decode()

    assert _delete(Client(), author, "kenji").status_code == 302
    origin.refresh_from_db()
    assert origin.author_answer == "declined" and origin.answered_at is not None
    proposal.refresh_from_db()
    assert proposal.proposer == sharer
    assert "waiting for them to confirm" not in client.get(page).content.decode()
    assert "waiting for them to confirm" not in client.get("/").content.decode()


def test_a_wrong_confirmation_deletes_nothing_and_says_why(world, client):
    leaver = world["leaver"]
    response = _delete(client, leaver, "kazuo")
    assert response.status_code == 400
    assert "That isn’t your username, so nothing was deleted" in response.content.decode()
    leaver.refresh_from_db()
    assert leaver.is_active and leaver.email == EMAIL and leaver.display_name == NAME
    assert Membership.objects.get(proposal=world["theirs"], user=leaver).status == "accepted"
    assert EmailAddress.objects.filter(user=leaver).count() == 2
    empty = client.post(reverse("members:account_delete"), {"confirmation": ""})
    assert empty.status_code == 400


def test_the_confirmation_page_explains_what_happens(client):
    member = UserFactory(username="yuki")
    client.force_login(member)
    page = client.get(reverse("members:account_delete"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "What goes" in html and "What stays, without your name" in html
    assert "<strong>yuki</strong>" in html
    assert (
        reverse("members:account_delete")
        in client.get(reverse("members:settings")).content.decode()
    )


def test_a_former_members_username_cannot_be_taken_at_sign_up(client, settings):
    settings.INVITE_ONLY = False
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@example.org",
            "username": "Former-Member-3",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.org").exists()


def test_an_email_in_flight_is_left_to_finish_and_everything_waiting_is_cancelled(world):
    leaver = world["leaver"]
    pending = Delivery.objects.filter(recipient=leaver, status=DeliveryStatus.PENDING)
    assert pending.exists()
    # The comment on their proposal, by email at once (their choice for comments).
    sending = pending.filter(channel=Channel.EMAIL, event__kind=EventKind.COMMENTED).latest("pk")
    waiting = pending.exclude(pk=sending.pk).values_list("pk", flat=True)
    assert waiting
    Delivery.objects.filter(pk=sending.pk).update(status=DeliveryStatus.SENDING)
    services.member_delete(user=leaver, confirmation=USERNAME)
    assert Delivery.objects.get(pk=sending.pk).status == DeliveryStatus.SENDING
    assert set(Delivery.objects.filter(pk__in=list(waiting)).values_list("status", flat=True)) == {
        DeliveryStatus.SKIPPED
    }
