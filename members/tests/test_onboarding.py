"""A first week that welcomes (issue 16): the first steps after sign-up, each skippable, then the
board of teams looking for someone like you; the welcome; the moderators told; the
self-introduction posted once to the introductions channel."""

import pytest
from django.urls import reverse

from applications import services as application_services
from applications import tokens as invite_tokens
from applications.tests.factories import waiting_application
from members import services
from members.models import User
from members.tests.factories import UserFactory
from members.tests.test_slack_login import OUR_TEAM, sign_in
from workers import dispatch, relay
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, Event
from workers.publish import RELAY_CHANNEL

pytestmark = pytest.mark.django_db

ONBOARDING = reverse("members:onboarding")
INTRO_CHANNEL = "C0INTRO"


def _step(name: str) -> str:
    return f"{ONBOARDING}?step={name}"


def _sign_up(client, username="hajime") -> User:
    response = client.post(
        reverse("account_signup"),
        {
            "email": f"{username}@example.org",
            "username": username,
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == ONBOARDING
    return User.objects.get(username=username)


@pytest.fixture
def newcomer_client(client):
    member = UserFactory(username="newcomer", display_name="", bio="", interests=[])
    client.force_login(member)
    client.member = member
    return client


def test_sign_up_leads_to_the_first_steps_with_skip_all_on_every_step(client, settings):
    settings.INVITE_ONLY = False
    _sign_up(client)
    for step in ("name", "introduction", "interests", "availability"):
        page = client.get(_step(step))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Skip all and look around" in html and 'href="/?suited=1"' in html
        assert "Skip this step" in html


def test_each_step_saves_its_own_field_and_the_last_leads_to_the_suited_board(newcomer_client):
    client, member = newcomer_client, newcomer_client.member
    answer = client.post(_step("name"), {"display_name": "はじめ"})
    assert answer["Location"] == _step("introduction")
    answer = client.post(_step("introduction"), {"bio": "料理が好きです。"})
    assert answer["Location"] == _step("interests")
    answer = client.post(
        _step("interests"), {"themes": ["防災", "福祉"], "interests": "写真, 料理"}
    )
    assert answer["Location"] == _step("availability")
    answer = client.post(_step("availability"), {"availability": "週末に少し"})
    assert answer["Location"] == "/?suited=1"

    member.refresh_from_db()
    assert member.display_name == "はじめ"
    assert member.bio == "料理が好きです。"
    assert member.interests == ["防災", "福祉", "写真", "料理"]
    assert member.availability == "週末に少し"
    board = client.get(answer["Location"], follow=True)
    assert board.status_code == 200
    assert "looking for someone like you" in board.content.decode()


def test_a_skipped_step_changes_nothing_and_moves_on(newcomer_client):
    client, member = newcomer_client, newcomer_client.member
    User.objects.filter(pk=member.pk).update(display_name="まえの名前")
    answer = client.post(_step("name"), {"display_name": "ちがう名前", "skip": "1"})
    assert answer["Location"] == _step("introduction")
    answer = client.post(_step("availability"), {"skip": "1"})
    assert answer["Location"] == "/?suited=1"
    member.refresh_from_db()
    assert member.display_name == "まえの名前"


def test_bad_input_gets_a_clear_error_and_saves_nothing(newcomer_client):
    client, member = newcomer_client, newcomer_client.member
    too_many = ", ".join(f"テーマ{n}" for n in range(20))
    answer = client.post(_step("interests"), {"interests": too_many})
    assert answer.status_code == 400
    assert "At most 15 interests" in answer.content.decode()
    answer = client.post(_step("name"), {"display_name": "x" * 81})
    assert answer.status_code == 400
    member.refresh_from_db()
    assert member.interests == [] and member.display_name == ""


def test_an_unknown_step_is_the_first_one(newcomer_client):
    page = newcomer_client.get(_step("nope"))
    assert page.status_code == 200 and 'name="display_name"' in page.content.decode()


def test_a_new_member_is_welcomed_and_the_moderators_are_told(
    client, settings, django_capture_on_commit_callbacks, published
):
    settings.INVITE_ONLY = False
    moderator = UserFactory(moderator=True)
    bystander = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        member = _sign_up(client, username="arrival")

    welcome = Delivery.objects.get(event__kind=EventKind.WELCOME, channel=Channel.INAPP)
    assert welcome.recipient_id == member.pk
    # By email too (the default for a welcome is "immediately"), and only once.
    assert (
        Delivery.objects.filter(event__kind=EventKind.WELCOME, channel=Channel.EMAIL).count() == 1
    )
    inbox = client.get(reverse("workers:list")).content.decode()
    assert "Welcome to the community, arrival!" in inbox
    assert "Cheer an idea you like" in inbox and 'href="/?suited=1"' in inbox

    told = Delivery.objects.filter(event__kind=EventKind.MEMBER_ARRIVED, channel=Channel.INAPP)
    assert set(told.values_list("recipient_id", flat=True)) == {moderator.pk}
    client.force_login(moderator)
    inbox = client.get(reverse("workers:list")).content.decode()
    assert "arrival joined the community." in inbox
    assert reverse("members:profile", args=["arrival"]) in inbox
    assert not Delivery.objects.filter(recipient=bystander).exists()

    # A second sign-up signal for the same person (a retried request) welcomes nobody twice.
    assert services.member_arrived(user=member) is False
    assert Event.objects.filter(kind=EventKind.WELCOME).count() == 1


def test_the_welcome_email_is_kind_and_gives_first_steps(published, mailoutbox):
    member = UserFactory(username="mei", display_name="めい", email="mei@example.org")
    services.member_arrived(user=member)
    email = Delivery.objects.get(event__kind=EventKind.WELCOME, channel=Channel.EMAIL)

    assert dispatch.process(email.pk).result == "sent"

    [message] = mailoutbox
    assert message.to == ["mei@example.org"]
    assert "Welcome to the community, めい!" in message.subject
    for words in ("say hello to one", "Cheer an idea you like", "half an idea", "no hurry"):
        assert words in message.body, words
    html = message.alternatives[0][0]
    assert "Look around the board" in html and "/?suited=1" in html


@pytest.fixture
def intro_slack(fake_slack, settings):
    settings.SLACK_INTRO_CHANNEL_ID = INTRO_CHANNEL
    return fake_slack


def test_the_self_introduction_is_posted_once_to_the_introductions_channel_escaped(
    newcomer_client, intro_slack, published, django_capture_on_commit_callbacks
):
    client, member = newcomer_client, newcomer_client.member
    page = client.get(_step("introduction")).content.decode()
    assert "Post my introduction to Slack" in page
    bio = "料理が好き <!channel> & <https://evil.example|click>"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(_step("introduction"), {"bio": bio, "share_introduction": "on"})
    assert answer.status_code == 302
    assert [p.args for p in published if p.name == RELAY_CHANNEL] == [(INTRO_CHANNEL,)]

    relay.run(INTRO_CHANNEL)

    delivery = Delivery.objects.get(event__kind=EventKind.SELF_INTRODUCTION)
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    assert delivery.lane == INTRO_CHANNEL
    [message] = intro_slack.roots(INTRO_CHANNEL)
    assert intro_slack.roots("C0MAIN") == []
    text = str(message["blocks"]) + message["text"]
    assert "料理が好き" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil.example" not in text
    assert reverse("members:profile", args=[member.username]) in str(message["blocks"])

    # Ticking it again (or coming back to the step) posts nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_step("introduction"), {"bio": bio + "!", "share_introduction": "on"})
    relay.run(INTRO_CHANNEL)
    assert Event.objects.filter(kind=EventKind.SELF_INTRODUCTION).count() == 1
    assert len(intro_slack.roots(INTRO_CHANNEL)) == 1


def test_without_the_tick_nothing_goes_to_slack(newcomer_client, intro_slack, published):
    newcomer_client.post(_step("introduction"), {"bio": "こんにちは、はじめまして。"})
    assert not Event.objects.filter(kind=EventKind.SELF_INTRODUCTION).exists()
    assert intro_slack.roots(INTRO_CHANNEL) == []


def test_without_an_introductions_channel_the_choice_is_not_offered(newcomer_client, settings):
    settings.SLACK_INTRO_CHANNEL_ID = ""
    page = newcomer_client.get(_step("introduction")).content.decode()
    assert "Post my introduction to Slack" not in page
    newcomer_client.post(_step("introduction"), {"bio": "はじめまして", "share_introduction": "on"})
    assert not Event.objects.filter(kind=EventKind.SELF_INTRODUCTION).exists()


def test_signing_up_with_slack_also_leads_to_the_first_steps_and_a_welcome(
    client, slack_oidc, published
):
    slack_oidc.identity("good", team=OUR_TEAM, user="U0AIKO", email="aiko@example.org")
    response = sign_in(client, "good")
    assert response.status_code == 302 and response["Location"] == ONBOARDING
    member = User.objects.get(email="aiko@example.org")
    assert Delivery.objects.filter(
        event__kind=EventKind.WELCOME, recipient=member, channel=Channel.INAPP
    ).exists()
    # The name Slack gave is already there, ready to keep or change.
    assert 'value="Aiko"' in client.get(ONBOARDING).content.decode()


def test_signing_up_with_an_invitation_link_also_leads_to_the_first_steps(
    client, settings, published
):
    settings.INVITE_ONLY = True
    settings.INVITE_CODES = []
    moderator = UserFactory(moderator=True)
    application = application_services.application_approve(
        application=waiting_application(email="hana@example.org"), by=moderator
    )
    client.get(reverse("applications:join", args=[invite_tokens.invite_token(application)]))
    response = client.post(
        reverse("account_signup"),
        {
            "email": "hana@example.org",
            "username": "hana",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 302 and response["Location"] == ONBOARDING
    member = User.objects.get(username="hana")
    assert Delivery.objects.filter(event__kind=EventKind.WELCOME, recipient=member).exists()
    told = Delivery.objects.filter(event__kind=EventKind.MEMBER_ARRIVED, channel=Channel.INAPP)
    assert set(told.values_list("recipient_id", flat=True)) == {moderator.pk}


def test_signing_up_with_an_invite_code_leads_to_the_first_steps(client, settings, published):
    settings.INVITE_ONLY = True
    settings.INVITE_CODES = ["sakura-2026"]
    client.get(reverse("account_signup") + "?invite=sakura-2026")
    _sign_up(client, username="coded")
