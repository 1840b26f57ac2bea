"""An invitation in the invitee's Slack DM: sent through the outbox to the loopback fake Slack,
answered with its Accept / Not now buttons through signed interactions and the same services as
the web; the message then shows the answer instead of its buttons (through the response_url)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.models import Invitation, InvitationStatus, Membership
from proposals.tests.factories import make_proposal
from workers import dispatch, publish, tasks
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus

from .signed import interaction_body, post, sign

pytestmark = pytest.mark.django_db

HOSTILE = "<!channel> & <http://x|y>"


@pytest.fixture
def tasks_run_now(monkeypatch):
    """The calls back to Slack run in this thread (what the worker does), so the test reads what
    Slack received."""

    def send_task(name, args=(), kwargs=None, eta=None, **options):
        if name == publish.SLACK_RESPOND:
            tasks.slack_respond.apply(args=args)
        if name == publish.SLACK_REPLACE_MESSAGE:
            tasks.slack_replace_message.apply(args=args)

    monkeypatch.setattr(publish.app, "send_task", send_task)


@pytest.fixture
def proposal():
    return make_proposal(
        title=f"防災マップ {HOSTILE}",
        proposer=UserFactory(display_name="はるか"),
        roles=("デザイン",),
        status="team_forming",
    )


def _invite(proposal, invitee, message="デザインを手伝ってもらえたら嬉しいです"):
    return services.invitation_create(
        proposal=proposal, invitee=invitee, role="デザイン", by=proposal.proposer, message=message
    )


def _dm_sent(fake_slack, slack_user_id: str) -> dict:
    delivery = Delivery.objects.get(channel=Channel.SLACK_DM, event__kind=EventKind.INVITED)
    assert dispatch.process(delivery.pk).result == "sent"
    [message] = fake_slack.direct_messages(slack_user_id)
    return message


def _buttons(message: dict) -> dict[str, dict]:
    actions = [block for block in message["blocks"] if block["type"] == "actions"]
    return {
        element["action_id"]: element for block in actions for element in block.get("elements", [])
    }


def _press(fake_slack, user_id: str, button: dict, hook: str = "dm") -> bytes:
    return interaction_body(
        user_id,
        {
            "type": "block_actions",
            "actions": [{"action_id": button["action_id"], "value": button["value"]}],
            "container": {"type": "message", "channel_id": f"D{user_id}"},
            "response_url": fake_slack.url + f"hooks/T0COMMUNITY/1/{hook}",
        },
    )


def _answers(fake_slack, hook: str = "dm") -> tuple[list[str], list[dict]]:
    """What went back through the response_url: private answers, and the message replaced."""
    calls = [call.body for call in fake_slack.calls_to(hook)]
    private = [body["text"] for body in calls if body.get("response_type") == "ephemeral"]
    replaced = [body for body in calls if body.get("replace_original") is True]
    assert len(private) + len(replaced) == len(calls)
    return private, replaced


def _shown(message: dict) -> str:
    return " ".join(
        [message["text"]]
        + [block["text"]["text"] for block in message["blocks"] if "text" in block]
        + [
            element.get("text", "")
            for block in message["blocks"]
            for element in block.get("elements", [])
            if isinstance(element.get("text"), str)
        ]
    )


def test_the_invitation_dm_has_its_buttons_and_escapes_what_members_wrote(
    fake_slack, slack_member, proposal
):
    slack_member.time_zone = "Europe/Berlin"
    slack_member.save(update_fields=["time_zone"])
    # 03:00 in Tokyo is still the evening before in Berlin: the day it ends differs.
    with time_machine.travel(datetime(2031, 3, 6, 3, 0, tzinfo=ZoneInfo("Asia/Tokyo"))):
        invitation = _invite(
            proposal, slack_member, message="<!here> ぜひ & <https://evil.example|x>"
        )
        message = _dm_sent(fake_slack, "U0AIKO")

    buttons = _buttons(message)
    assert [(b["action_id"], b["text"]["text"]) for b in buttons.values()] == [
        ("invitation_accept", "Join the team"),
        ("invitation_decline", "Not now"),
    ]
    assert {b["value"] for b in buttons.values()} == {str(invitation.pk)}
    assert buttons["invitation_accept"]["style"] == "primary"
    everything = str(message)
    for raw in ("<!channel>", "<http://x|y>", "<!here>", "<https://evil.example"):
        assert raw not in everything
    assert message["text"] == (
        "はるか invited you to join “防災マップ &lt;!channel&gt; &amp; &lt;http://x|y&gt;” "
        "as デザイン."
    )
    shown = _shown(message)
    assert "> &lt;!here&gt; ぜひ &amp; &lt;https://evil.example|x&gt;" in shown
    assert f"<http://testserver/invitations/{invitation.pk}/|See the invitation>" in shown
    # Until when, as the invitee reads dates (their language, their time zone).
    assert "Answer whenever it suits you, until Mar 19, 2031." in shown


def test_accept_from_the_dm_joins_and_counts_for_the_launch(
    client, fake_slack, slack_member, proposal, tasks_run_now, django_capture_on_commit_callbacks
):
    invitation = _invite(proposal, slack_member)
    message = _dm_sent(fake_slack, "U0AIKO")

    body = _press(fake_slack, "U0AIKO", _buttons(message)["invitation_accept"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200

    membership = Membership.objects.get(proposal=proposal, user=slack_member)
    assert (membership.status, membership.role) == (MembershipStatus.ACCEPTED, "デザイン")
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.ACCEPTED
    # The proposer and Aiko make two: the launch guard lets the team start.
    services.proposal_transition(proposal=proposal, to=Status.RUNNING, by=proposal.proposer)
    proposal.refresh_from_db()
    assert proposal.status == Status.RUNNING
    # The DM now says so, without its buttons.
    private, [replaced] = _answers(fake_slack)
    assert private == []
    assert _buttons(replaced) == {}
    assert "You accepted this invitation. Welcome to the team!" in _shown(replaced)
    assert "はるか invited you to join “防災マップ &lt;!channel&gt;" in replaced["text"]


def test_not_now_from_the_dm_declines_kindly_and_tells_the_proposer(
    client, fake_slack, slack_member, proposal, tasks_run_now, django_capture_on_commit_callbacks
):
    invitation = _invite(proposal, slack_member)
    message = _dm_sent(fake_slack, "U0AIKO")

    body = _press(fake_slack, "U0AIKO", _buttons(message)["invitation_decline"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/slack/interactions", body).status_code == 200

    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.DECLINED
    assert not Membership.objects.filter(proposal=proposal, user=slack_member).exists()
    assert Delivery.objects.filter(
        event__kind=EventKind.INVITATION_DECLINED,
        channel=Channel.INAPP,
        recipient=proposal.proposer,
    ).exists()
    private, [replaced] = _answers(fake_slack)
    assert private == [] and _buttons(replaced) == {}
    assert "You said “not now”. You are welcome to ask to join" in _shown(replaced)


def test_the_dm_answers_in_the_invitee_s_language(
    client, fake_slack, proposal, tasks_run_now, django_capture_on_commit_callbacks
):
    invitee = UserFactory(slack_user_id="U0HANA", preferred_language="ja")
    _invite(proposal, invitee)
    message = _dm_sent(fake_slack, "U0HANA")
    assert [b["text"]["text"] for b in _buttons(message).values()] == [
        "チームに参加する",
        "今回は見送る",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(fake_slack, "U0HANA", _buttons(message)["invitation_accept"]),
        )
    _private, [replaced] = _answers(fake_slack)
    assert "防災マップ" in replaced["text"] and "invited" not in replaced["text"]


def test_an_invitation_answered_on_the_web_or_ended_is_answered_kindly_and_shown_as_it_is(
    client, fake_slack, slack_member, proposal, tasks_run_now, django_capture_on_commit_callbacks
):
    invitation = _invite(proposal, slack_member)
    message = _dm_sent(fake_slack, "U0AIKO")
    buttons = _buttons(message)
    services.invitation_decline(invitation=invitation, by=slack_member)  # on the web

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            post(
                client,
                "/slack/interactions",
                _press(fake_slack, "U0AIKO", buttons["invitation_accept"]),
            ).status_code
            == 200
        )
    [refused], [replaced] = _answers(fake_slack)
    assert refused == "This invitation has already been answered."
    assert "You said “not now”." in _shown(replaced) and _buttons(replaced) == {}
    assert not Membership.objects.filter(proposal=proposal, user=slack_member).exists()

    # Another invitation that ended before it was answered.
    other = make_proposal(roles=("デザイン",), status="team_forming")
    late = _invite(other, slack_member)
    Invitation.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "/slack/interactions",
            _press(
                fake_slack,
                "U0AIKO",
                {"action_id": "invitation_accept", "value": str(late.pk)},
                hook="late",
            ),
        )
    ended = "This invitation has ended. You are still welcome to ask to join, at your own pace."
    [refused], [replaced] = _answers(fake_slack, "late")
    assert refused == ended
    assert ended in _shown(replaced) and _buttons(replaced) == {}
    assert Invitation.objects.get(pk=late.pk).status == InvitationStatus.OPEN  # beat ends it


def test_someone_else_a_stranger_or_a_missing_invitation_changes_nothing(
    client, fake_slack, slack_member, proposal, tasks_run_now, django_capture_on_commit_callbacks
):
    invitation = _invite(proposal, slack_member)
    UserFactory(slack_user_id="U0BEN", preferred_language="en")
    accept = {"action_id": "invitation_accept", "value": str(invitation.pk)}
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "/slack/interactions", _press(fake_slack, "U0BEN", accept, hook="ben"))
        post(client, "/slack/interactions", _press(fake_slack, "U0NOBODY", accept, hook="who"))
        post(
            client,
            "/slack/interactions",
            _press(
                fake_slack,
                "U0AIKO",
                {"action_id": "invitation_decline", "value": "987654"},
                hook="gone",
            ),
        )
        post(
            client,
            "/slack/interactions",
            _press(
                fake_slack, "U0AIKO", {"action_id": "invitation_accept", "value": "x"}, hook="bad"
            ),
        )

    assert _answers(fake_slack, "ben") == (["This invitation is for someone else."], [])
    [connect], [] = _answers(fake_slack, "who")
    assert "http://testserver/members/slack/connect/" in connect
    assert _answers(fake_slack, "gone") == (["That invitation no longer exists."], [])
    assert _answers(fake_slack, "bad") == (["That invitation no longer exists."], [])
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.OPEN
    assert not Membership.objects.filter(proposal=proposal).exclude(user=proposal.proposer).exists()


def test_a_forged_interaction_is_refused_and_changes_nothing(
    client, fake_slack, slack_member, proposal, tasks_run_now, django_capture_on_commit_callbacks
):
    invitation = _invite(proposal, slack_member)
    body = _press(
        fake_slack, "U0AIKO", {"action_id": "invitation_accept", "value": str(invitation.pk)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        forged = post(client, "/slack/interactions", body, sign(body, secret="not-the-secret"))
        unsigned = post(client, "/slack/interactions", body, {})
    assert forged.status_code == unsigned.status_code == 401
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.OPEN
    assert not Membership.objects.filter(proposal=proposal, user=slack_member).exists()
    assert fake_slack.calls_to("dm") == []


def test_an_invitation_answered_before_its_dm_leaves_sends_no_buttons(
    fake_slack, slack_member, proposal
):
    invitation = _invite(proposal, slack_member)
    services.invitation_accept(invitation=invitation, by=slack_member)
    delivery = Delivery.objects.get(channel=Channel.SLACK_DM, event__kind=EventKind.INVITED)
    assert dispatch.process(delivery.pk).result == "skipped"
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SKIPPED
    assert fake_slack.direct_messages("U0AIKO") == []


def test_a_member_without_slack_is_invited_in_the_app_and_by_email_only(fake_slack, proposal):
    invitee = UserFactory()
    _invite(proposal, invitee)
    channels = set(
        Delivery.objects.filter(event__kind=EventKind.INVITED).values_list("channel", flat=True)
    )
    assert channels == {Channel.INAPP, Channel.EMAIL}
