"""The Slack App Home: opening the tab publishes the member's sections (views.publish, through a
task after commit, in their language and time zone); a change shows there through the same
publisher, several changes making one publish; Accept from the Home answers through the same
services as everywhere; an unlinked Slack user is invited to connect. Against the loopback fake
Slack, with the tasks run as the worker runs them (what was published, by name)."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import resolve
from django.utils import timezone

from members import home as member_home
from members import services as member_services
from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.models import Membership
from proposals.tests.factories import add_member, make_proposal
from slack_app import handlers
from slack_app.events import SlackEvent
from workers import dispatch, home_sender, outbox, publish, tasks
from workers import home as home_state
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, SlackHome
from workers.tests.fake_slack import Fault

from .signed import TEAM, interaction_body, post

pytestmark = pytest.mark.django_db

HOSTILE = "<!channel> & <http://evil.example|x>"


# --- what the worker does with what was published ------------------------------------------------


def _run(published) -> list[str]:
    """Run every published Home task as the worker would (a task that fans out publishes more),
    and say what each publish did."""
    results = []
    while True:
        jobs = [
            job
            for job in published
            if job.name in (publish.PUBLISH_SLACK_HOME, publish.REFRESH_SLACK_HOMES)
        ]
        if not jobs:
            return results
        for job in jobs:
            published.remove(job)
            if job.name == publish.REFRESH_SLACK_HOMES:
                home_sender.homes_refresh(proposal_id=job.args[0])
            else:
                results.append(home_sender.home_publish(slack_user_id=job.args[0]).result)


def _open(slack_user_id: str, captured, *, tab: str = "home") -> None:
    """Slack's app_home_opened event, as a worker hands it to the handlers."""
    with captured(execute=True):
        handlers.event(
            SlackEvent(
                event_id=f"Ev{slack_user_id}",
                team_id=TEAM,
                type="app_home_opened",
                event={"type": "app_home_opened", "user": slack_user_id, "tab": tab},
            )
        )


def _texts(view: dict) -> list[str]:
    """Every text of the Home a person reads, block by block (buttons' labels included)."""
    found = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            found.append(text["text"] if isinstance(text, dict) else text or "")
    return found


def _shown(view: dict) -> str:
    return "\n".join(_texts(view))


def _buttons(view: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for block in view["blocks"]:
        if block["type"] == "actions":
            for element in block["elements"]:
                found.setdefault(element["action_id"], []).append(element)
    return found


def _press_from_home(client, user_id: str, action_id: str, value: str):
    """A button pressed in the Home tab: a block action from a view, with no response_url."""
    body = interaction_body(
        user_id,
        {
            "type": "block_actions",
            "container": {"type": "view", "view_id": f"V{user_id}"},
            "view": {"id": f"V{user_id}", "type": "home"},
            "actions": [{"action_id": action_id, "value": value}],
        },
    )
    response = post(client, "/slack/interactions", body)
    assert response.status_code == 200
    return response


@pytest.fixture
def aiko(fake_slack):
    return UserFactory(
        username="aiko",
        display_name="Aiko",
        slack_user_id="U0AIKO",
        preferred_language="en",
        interests=["防災"],
        skills="design",
    )


@pytest.fixture
def haruka(fake_slack):
    return UserFactory(
        username="haruka", display_name="はるか", slack_user_id="U0HARU", preferred_language="en"
    )


@pytest.fixture
def aikos_world(aiko, haruka):
    """Aiko proposes two ideas, is on Haruka's team, has asked to join another, has Ken's request
    to answer; and a team looking for a designer who cares about 防災 is out there."""
    mine = make_proposal(proposer=aiko, title="Repair café", status=Status.TEAM_FORMING)
    make_proposal(proposer=aiko, title="Book swap")
    on_team = make_proposal(proposer=haruka, title="Beach clean-up", status=Status.RUNNING)
    add_member(on_team, aiko, role="photos")
    asked = make_proposal(proposer=haruka, title="Night market", status=Status.TEAM_FORMING)
    services.membership_request(proposal=asked, user=aiko, role="stall")
    ken = UserFactory(display_name="Ken")
    request = services.membership_request(
        proposal=mine, user=ken, role="fixer", message="I can fix bikes"
    )
    fits = make_proposal(
        proposer=UserFactory(),
        title="防災マップ",
        tags=["防災"],
        roles=("design",),
        status=Status.TEAM_FORMING,
    )
    return {"mine": mine, "on_team": on_team, "asked": asked, "request": request, "fits": fits}


# --- opening the Home ----------------------------------------------------------------------------


def test_opening_the_home_publishes_the_members_sections(
    fake_slack, published, django_capture_on_commit_callbacks, aikos_world
):
    _open("U0AIKO", django_capture_on_commit_callbacks)
    assert fake_slack.calls_to("views.publish") == []  # nothing leaves in the event's handler

    assert _run(published) == ["published"]
    [call] = fake_slack.calls_to("views.publish")
    assert call.body["user_id"] == "U0AIKO"
    view = fake_slack.homes["U0AIKO"]
    texts = _texts(view)
    site = settings.SITE_URL.rstrip("/")
    mine, fits = aikos_world["mine"], aikos_world["fits"]
    assert texts[0] == "Hello, Aiko"
    # Each section in turn, as Aiko reads it.
    order = [
        "Your proposals",
        f"<{site}/proposals/{mine.pk}/|Repair café> · Team forming",
        "Teams you are in",
        f"<{site}/proposals/{aikos_world['on_team'].pk}/|Beach clean-up> · photos · Running",
        "Waiting for your answer",
        f"*Ken* would like to join <{site}/proposals/{mine.pk}/|Repair café> as fixer.\n"
        "> I can fix bikes",
        "Your requests to join",
        f"<{site}/proposals/{aikos_world['asked'].pk}/|Night market> as stall: "
        "waiting for the team's answer.",
        "Teams looking for someone like you",
        f"<{site}/proposals/{fits.pk}/|防災マップ>\nInterests: 防災 · Skills: design",
    ]
    assert [text for text in texts if text in order] == order
    assert f"<{site}/proposals/" in _shown(view) and "Book swap> · Idea" in _shown(view)
    buttons = _buttons(view)
    request = aikos_world["request"]
    assert [b["value"] for b in buttons["membership_accept"]] == [str(request.pk)]
    assert [b["value"] for b in buttons["membership_decline"]] == [str(request.pk)]
    assert buttons["home_share_idea"][0]["text"]["text"] == "Share an idea"
    assert (
        buttons["home_pause_notifications"][0]["text"]["text"] == "Pause notifications for a week"
    )
    assert buttons["home_open_settings"][0]["url"] == f"{site}/members/settings/"


def test_the_home_is_in_the_members_language_and_time_zone(
    fake_slack, published, django_capture_on_commit_callbacks, aikos_world, aiko, client
):
    aiko.preferred_language = "ja"
    aiko.time_zone = "Europe/Berlin"
    aiko.save(update_fields=["preferred_language", "time_zone"])
    # 03:00 in Tokyo is still the evening before in Berlin: a week on, the day differs too.
    with time_machine.travel(datetime(2031, 3, 6, 3, 0, tzinfo=ZoneInfo("Asia/Tokyo"))):
        _open("U0AIKO", django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            _press_from_home(client, "U0AIKO", "home_pause_notifications", "pause")
        # Both changes were counted before the worker came: one publish shows them.
        assert _run(published) == ["published", "idle"]

    shown = _shown(fake_slack.homes["U0AIKO"])
    assert "Aikoさん、こんにちは" in shown
    assert "あなたの提案" in shown and "|Repair café> · 仲間募集中" in shown
    assert "参加しているチーム" in shown and "· photos · 進行中" in shown
    assert "*Ken*さんが「fixer」として" in shown
    assert "関心：防災" in shown
    assert "2031年3月12日まで通知をお休みしています。" in shown
    assert [
        b["text"]["text"] for b in _buttons(fake_slack.homes["U0AIKO"])["membership_accept"]
    ] == ["迎え入れる"]


def test_empty_sections_say_so_kindly(fake_slack, published, django_capture_on_commit_callbacks):
    UserFactory(display_name="Mei", slack_user_id="U0MEI", preferred_language="en")
    _open("U0MEI", django_capture_on_commit_callbacks)
    _run(published)

    shown = _shown(fake_slack.homes["U0MEI"])
    assert (
        "No proposals yet. Whenever an idea comes to you, “Share an idea” is right here." in shown
    )
    assert "You're not on a team yet, and that's fine." in shown
    assert "Nothing is waiting for you." in shown
    assert "No requests waiting." in shown
    assert "Adding interests and skills in settings helps us find a team for you." in shown


def test_the_messages_tab_publishes_nothing(
    fake_slack, published, django_capture_on_commit_callbacks, aiko
):
    _open("U0AIKO", django_capture_on_commit_callbacks, tab="messages")
    assert _run(published) == []
    assert not SlackHome.objects.exists()


def test_an_unlinked_slack_user_is_invited_to_connect(
    fake_slack, published, django_capture_on_commit_callbacks
):
    _open("U0STRANGER", django_capture_on_commit_callbacks)
    assert _run(published) == ["published"]

    view = fake_slack.homes["U0STRANGER"]
    assert "Welcome to incubator" in _texts(view)
    assert "Connect your Slack account to your incubator account" in _shown(view)
    [connect] = _buttons(view)["home_connect"]
    # The link is the one the slash command's "link" gives: it vouches for this Slack user.
    match = resolve(urlsplit(connect["url"]).path)
    assert match.view_name == "members:slack_connect"
    assert member_services.slack_link_identity(token=match.kwargs["token"]) == "U0STRANGER"
    assert "membership_accept" not in _buttons(view)


def test_member_text_is_escaped_in_the_home(
    fake_slack, published, django_capture_on_commit_callbacks, aiko
):
    make_proposal(proposer=aiko, title=f"Lanterns {HOSTILE}")
    services.membership_request(
        proposal=make_proposal(title=f"Tea {HOSTILE}", status=Status.TEAM_FORMING),
        user=aiko,
        role=f"host {HOSTILE}",
    )
    _open("U0AIKO", django_capture_on_commit_callbacks)
    _run(published)

    shown = _shown(fake_slack.homes["U0AIKO"])
    assert "<!channel>" not in shown and "<http://evil" not in shown
    assert "|Lanterns &lt;!channel&gt; &amp; &lt;http://evil.example|x&gt;>" in shown
    assert "as host &lt;!channel&gt; &amp; &lt;http://evil.example|x&gt;:" in shown


# --- answering from the Home, and the Home kept current ------------------------------------------


def test_accept_from_the_home_adds_the_member_and_refreshes_both_homes(
    fake_slack, published, django_capture_on_commit_callbacks, client, aiko, haruka
):
    proposal = make_proposal(proposer=haruka, title="Night market", status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=aiko, role="stall")
    _open("U0HARU", django_capture_on_commit_callbacks)
    _open("U0AIKO", django_capture_on_commit_callbacks)
    _run(published)
    assert "stall: waiting for the team's answer." in _shown(fake_slack.homes["U0AIKO"])
    [accept] = _buttons(fake_slack.homes["U0HARU"])["membership_accept"]
    fake_slack.reset()

    with django_capture_on_commit_callbacks(execute=True):
        response = _press_from_home(client, "U0HARU", "membership_accept", accept["value"])
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == MembershipStatus.ACCEPTED

    # One publish for each Home (the press's own refresh of the proposer's Home and the event's
    # find one change to show between them: the second of them has nothing left to do).
    assert sorted(r for r in _run(published) if r != "idle") == ["published", "published"]
    assert sorted(call.body["user_id"] for call in fake_slack.calls_to("views.publish")) == [
        "U0AIKO",
        "U0HARU",
    ]
    proposer_home = fake_slack.homes["U0HARU"]
    assert "membership_accept" not in _buttons(proposer_home)
    assert "Nothing is waiting for you." in _shown(proposer_home)
    requester_home = _shown(fake_slack.homes["U0AIKO"])
    assert "|Night market> · stall · Team forming" in requester_home
    assert "No requests waiting." in requester_home


def test_a_request_answered_twice_from_the_home_changes_nothing_more(
    fake_slack, published, django_capture_on_commit_callbacks, client, aiko, haruka
):
    proposal = make_proposal(proposer=haruka, status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=aiko, role="stall")
    with django_capture_on_commit_callbacks(execute=True):
        _press_from_home(client, "U0HARU", "membership_decline", str(request.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = _press_from_home(client, "U0HARU", "membership_accept", str(request.pk))
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == MembershipStatus.DECLINED


def test_a_press_on_a_home_that_was_behind_shows_the_home_as_it_is_now(
    fake_slack, published, django_capture_on_commit_callbacks, client, aiko, haruka
):
    """The Home has no response_url for a refusal's words: a press it cannot act on (the request
    was withdrawn meanwhile, and that Home's publish was lost) publishes the Home again, so the
    stale request goes instead of the button doing nothing."""
    proposal = make_proposal(proposer=haruka, status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=aiko, role="stall")
    _open("U0HARU", django_capture_on_commit_callbacks)
    _run(published)
    assert "membership_accept" in _buttons(fake_slack.homes["U0HARU"])
    services.membership_leave(proposal=proposal, user=aiko)
    published.clear()  # the Home's refresh lost on the way (the sweep would find it later)

    with django_capture_on_commit_callbacks(execute=True):
        _press_from_home(client, "U0HARU", "membership_accept", str(request.pk))
    request.refresh_from_db()
    assert request.status != MembershipStatus.ACCEPTED
    assert _run(published) == ["published"]
    assert "membership_accept" not in _buttons(fake_slack.homes["U0HARU"])
    assert "Nothing is waiting for you." in _shown(fake_slack.homes["U0HARU"])


def test_several_changes_make_one_publish_with_the_latest_state(
    fake_slack, published, django_capture_on_commit_callbacks, aiko
):
    proposal = make_proposal(proposer=aiko, title="Repair café", status=Status.DISCUSSION)
    _open("U0AIKO", django_capture_on_commit_callbacks)
    _run(published)
    fake_slack.reset()

    with django_capture_on_commit_callbacks(execute=True):
        for name in ("Ken", "Rin", "Sora"):
            services.membership_request(
                proposal=proposal, user=UserFactory(display_name=name), role="fixer"
            )
        services.proposal_transition(proposal=proposal, to=Status.TEAM_FORMING, by=aiko)

    assert SlackHome.objects.get().changes - SlackHome.objects.get().shown_changes == 4
    assert _run(published).count("published") == 1
    [call] = fake_slack.calls_to("views.publish")
    shown = _shown(call.body["view"])
    assert "|Repair café> · Team forming" in shown
    assert all(f"*{name}* would like to join" in shown for name in ("Ken", "Rin", "Sora"))
    # Redelivered, the task finds nothing left to show.
    assert home_sender.home_publish(slack_user_id="U0AIKO").result == "idle"


def test_homes_are_only_kept_for_slack_users_who_opened_them(
    fake_slack, published, django_capture_on_commit_callbacks, aiko, haruka
):
    """Haruka never opened her Home, Sho has no Slack: a join request marks no Home of theirs."""
    sho = UserFactory(display_name="Sho")
    with django_capture_on_commit_callbacks(execute=True):
        for proposer in (haruka, sho):
            services.membership_request(
                proposal=make_proposal(proposer=proposer, status=Status.TEAM_FORMING),
                user=UserFactory(),
                role="fixer",
            )
    assert _run(published) == []
    assert fake_slack.calls_to("views.publish") == []
    assert not SlackHome.objects.exists()


def test_a_rate_limited_publish_waits_retry_after_without_counting_an_attempt(
    fake_slack, published, django_capture_on_commit_callbacks, aiko, settings
):
    settings.SLACK_RETRY_AFTER_MARGIN_SECONDS = 1.0
    fake_slack.fail("views.publish", Fault(status=429, retry_after=7))
    _open("U0AIKO", django_capture_on_commit_callbacks)
    [job] = [job for job in published if job.name == publish.PUBLISH_SLACK_HOME]

    outcome = home_sender.home_publish(slack_user_id=job.args[0])
    assert (outcome.result, outcome.retry_in) == ("retry", 8.0)
    home = SlackHome.objects.get()
    assert home.attempts == 0 and home.changes > home.shown_changes
    assert "U0AIKO" not in fake_slack.homes
    # Another task before Slack's Retry-After has passed calls nothing.
    assert home_sender.home_publish(slack_user_id="U0AIKO").result == "idle"
    assert len(fake_slack.calls_to("views.publish")) == 1

    with time_machine.travel(timezone.now() + timedelta(seconds=8.5)):
        assert home_sender.home_publish(slack_user_id="U0AIKO").result == "published"
    assert "Hello, Aiko" in _texts(fake_slack.homes["U0AIKO"])


def test_a_passing_failure_backs_off_and_counts(
    fake_slack, published, django_capture_on_commit_callbacks, aiko
):
    fake_slack.fail("views.publish", Fault(status=503))
    _open("U0AIKO", django_capture_on_commit_callbacks)

    outcome = home_sender.home_publish(slack_user_id="U0AIKO")
    assert outcome.result == "retry" and outcome.retry_in > 0
    assert SlackHome.objects.get().attempts == 1


def test_the_home_takes_its_slot_from_the_workspace_pace(
    fake_slack, published, django_capture_on_commit_callbacks, aiko, settings
):
    """With the workspace's writes spoken for, the Home waits for its slot instead of calling."""
    settings.SLACK_WORKSPACE_CALLS_PER_MINUTE = 6  # a write every 10 seconds, no burst
    _open("U0AIKO", django_capture_on_commit_callbacks)
    outbox.workspace_write(earliest=timezone.now())  # someone else's post took the slot now
    outcome = home_sender.home_publish(slack_user_id="U0AIKO")
    assert outcome.result == "retry" and outcome.retry_in > 5
    assert fake_slack.calls_to("views.publish") == []


# --- the Home's buttons --------------------------------------------------------------------------


def test_share_an_idea_opens_the_idea_form(
    fake_slack, published, django_capture_on_commit_callbacks, client, aiko
):
    with django_capture_on_commit_callbacks(execute=True):
        _press_from_home(client, "U0AIKO", "home_share_idea", "idea")
    [job] = [job for job in published if job.name == publish.SLACK_OPEN_VIEW]
    trigger_id, view = job.args
    assert trigger_id == "trigger-1" and view["callback_id"] == "idea_submit"


def test_pausing_notifications_quiets_email_and_direct_messages_for_a_week(
    fake_slack, published, django_capture_on_commit_callbacks, client, aiko
):
    proposal = make_proposal(proposer=aiko, status=Status.TEAM_FORMING)
    _open("U0AIKO", django_capture_on_commit_callbacks)
    assert "Pause notifications for a week" in _shown(_published_home(published, fake_slack))
    with django_capture_on_commit_callbacks(execute=True):
        _press_from_home(client, "U0AIKO", "home_pause_notifications", "pause")
    aiko.refresh_from_db()
    assert aiko.notifications_paused_until > timezone.now() + timedelta(days=6, hours=23)
    assert "Resume notifications" in _shown(_published_home(published, fake_slack))

    services.membership_request(proposal=proposal, user=UserFactory(), role="fixer")
    email = Delivery.objects.get(channel=Channel.EMAIL, event__kind=EventKind.JOIN_REQUESTED)
    assert dispatch.process(email.pk).result == "skipped"
    assert Delivery.objects.filter(
        channel=Channel.INAPP, recipient=aiko, status=DeliveryStatus.SENT
    ).exists()
    assert not dispatch.digest_send(user_id=aiko.pk, day=timezone.localdate().isoformat())

    with django_capture_on_commit_callbacks(execute=True):
        _press_from_home(client, "U0AIKO", "home_resume_notifications", "resume")
    aiko.refresh_from_db()
    assert aiko.notifications_paused_until is None
    assert "Pause notifications for a week" in _shown(_published_home(published, fake_slack))


def _published_home(published, fake_slack) -> dict:
    _run(published)
    return fake_slack.homes["U0AIKO"]


# --- the read's cost -----------------------------------------------------------------------------


def _grow(member, size: int) -> None:
    for number in range(size):
        make_proposal(proposer=member, title=f"Idea {number}")
        add_member(make_proposal(title=f"Team {number}", status=Status.RUNNING), member)
        services.membership_request(
            proposal=make_proposal(title=f"Ask {number}", status=Status.TEAM_FORMING),
            user=member,
            role="helper",
        )
        theirs = Membership.objects.filter(user=member, status=MembershipStatus.REQUESTED)
        assert theirs.count() == number + 1
    make_proposal(title="Fits", tags=["防災"], status=Status.TEAM_FORMING)


@pytest.mark.parametrize("size", [2, 12])
def test_the_homes_read_takes_the_same_queries_however_much_there_is(
    size, aiko, django_assert_num_queries
):
    _grow(aiko, size)
    with django_assert_num_queries(8):
        home = member_home.member_home(member=aiko)
    assert len(home.proposals.items) == min(size, member_home.HOME_LIST_MAX)
    assert home.proposals.more == (size > member_home.HOME_LIST_MAX)
    assert len(home.my_requests.items) == min(size, member_home.HOME_LIST_MAX)
    assert [found.title for found in home.suggested] == ["Fits"]


def test_a_full_home_keeps_within_slacks_limits_and_links_to_the_web(
    fake_slack, published, django_capture_on_commit_callbacks, aiko
):
    _grow(aiko, 12)
    _open("U0AIKO", django_capture_on_commit_callbacks)
    assert _run(published) == ["published"]  # the fake refuses a Home of more than 100 blocks

    view = fake_slack.homes["U0AIKO"]
    shown = _shown(view)
    assert shown.count("|Idea ") == member_home.HOME_LIST_MAX
    profile = f"{settings.SITE_URL.rstrip('/')}/members/aiko/"
    assert shown.count(f"<{profile}|See them all on the web>") == 3  # proposals, teams, requests


def test_connecting_the_account_turns_the_invitation_into_the_members_home(
    fake_slack, published, django_capture_on_commit_callbacks
):
    _open("U0NEW", django_capture_on_commit_callbacks)
    _run(published)
    assert "Welcome to incubator" in _texts(fake_slack.homes["U0NEW"])

    member = UserFactory(display_name="Nao", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        member_services.slack_link(user=member, slack_user_id="U0NEW")
    assert _run(published) == ["published"]
    assert _texts(fake_slack.homes["U0NEW"])[0] == "Hello, Nao"

    with django_capture_on_commit_callbacks(execute=True):
        member_services.slack_unlink(user=member)
    assert _run(published) == ["published"]
    assert "Welcome to incubator" in _texts(fake_slack.homes["U0NEW"])


def test_a_new_title_shows_in_the_homes_that_list_it(
    fake_slack, published, django_capture_on_commit_callbacks, aiko, haruka
):
    proposal = make_proposal(proposer=haruka, title="Night market", status=Status.TEAM_FORMING)
    add_member(proposal, aiko, role="stall")
    _open("U0AIKO", django_capture_on_commit_callbacks)
    _run(published)

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_update(proposal=proposal, by=haruka, title="Night market by the river")
    assert _run(published) == ["published"]
    assert "|Night market by the river> · stall" in _shown(fake_slack.homes["U0AIKO"])


def test_the_worker_runs_the_home_tasks_by_their_published_names(
    fake_slack, published, django_capture_on_commit_callbacks, aiko, haruka
):
    proposal = make_proposal(proposer=haruka, status=Status.TEAM_FORMING)
    _open("U0AIKO", django_capture_on_commit_callbacks)
    [opened] = published
    assert tasks.publish_slack_home.apply(args=opened.args).get() == "published"

    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(proposal=proposal, user=aiko, role="stall")
    [refresh] = [job for job in published if job.name == publish.REFRESH_SLACK_HOMES]
    assert refresh.eta > timezone.now()  # a moment later, so one action's changes go together
    assert tasks.refresh_slack_homes.apply(args=refresh.args).get() == 1
    assert [job.args for job in published if job.name == publish.PUBLISH_SLACK_HOME] == [
        ("U0AIKO",)
    ]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_home_opened", "tab": "home"},
        {"type": "app_home_opened", "tab": "home", "user": ["U0AIKO"]},
        {"type": "app_home_opened", "tab": "home", "user": "U0<!channel>"},
        {"type": "app_home_opened", "tab": "home", "user": "U" * 40},
    ],
)
def test_an_event_not_shaped_as_slack_sends_it_publishes_nothing(
    event, fake_slack, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        handlers.event(SlackEvent(event_id="Ev1", team_id=TEAM, type=event["type"], event=event))
    assert published == []
    assert not SlackHome.objects.exists()


def test_a_stage_change_shows_in_the_homes_of_the_whole_team(
    fake_slack, published, django_capture_on_commit_callbacks, aiko, haruka
):
    proposal = make_proposal(proposer=haruka, title="Night market", status=Status.TEAM_FORMING)
    add_member(proposal, aiko, role="stall")
    add_member(proposal, UserFactory(), role="lights")  # the team is big enough to start
    for user_id in ("U0AIKO", "U0HARU"):
        _open(user_id, django_capture_on_commit_callbacks)
    _run(published)
    fake_slack.reset()

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_transition(proposal=proposal, to=Status.RUNNING, by=haruka)
    assert _run(published) == ["published", "published"]
    assert "|Night market> · stall · Running" in _shown(fake_slack.homes["U0AIKO"])
    assert "|Night market> · Running" in _shown(fake_slack.homes["U0HARU"])


def test_one_publisher_at_a_time_and_a_change_meanwhile_is_published_next(
    fake_slack, published, django_capture_on_commit_callbacks, aiko
):
    _open("U0AIKO", django_capture_on_commit_callbacks)
    holder = home_state.home_take(slack_user_id="U0AIKO", now=timezone.now())
    assert holder is not None
    # While one publishes, another task for the same Home calls nothing (no older state can
    # land after a newer one).
    assert home_sender.home_publish(slack_user_id="U0AIKO").result == "idle"
    _open("U0AIKO", django_capture_on_commit_callbacks)  # a change while the holder publishes
    assert home_state.home_published(holder, shown=holder.changes) is True  # it goes again
    assert home_sender.home_publish(slack_user_id="U0AIKO").result == "published"
    assert home_sender.home_publish(slack_user_id="U0AIKO").result == "idle"
