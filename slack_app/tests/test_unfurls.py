"""Unfurls: a link to a proposal's page posted in the workspace shows a compact card (chat.unfurl, by
a task after commit, against the loopback fake Slack). Events are shaped as Slack sends them
(https://docs.slack.dev/reference/events/link_shared)."""

import json

import pytest

from members.tests.factories import UserFactory
from proposals.choices import Status
from proposals.tests.factories import add_member, make_proposal
from slack_app import handlers
from slack_app.events import SlackEvent
from workers import publish, tasks
from workers.tests.fake_slack import Fault

pytestmark = pytest.mark.django_db

HOSTILE = "<!channel> & <@U123> <https://x.example|y>"


def _link_shared(*urls: str, team_id: str = "T0COMMUNITY", **extra) -> SlackEvent:
    event = {
        "type": "link_shared",
        "channel": "C0MAIN",
        "is_bot_user_member": True,
        "user": "U0AIKO",
        "message_ts": "1700000000.000100",
        "unfurl_id": "C0MAIN.1700000000.000100.abc123",
        "source": "conversations_history",
        "links": [{"domain": url.split("/")[2].split(":")[0], "url": url} for url in urls],
        "event_ts": "1700000000.000200",
        **extra,
    }
    return SlackEvent(event_id="Ev0LINK", team_id=team_id, type="link_shared", event=event)


def _unfurl_jobs(published) -> list[tuple]:
    return [job.args for job in published if job.name == publish.SLACK_UNFURL]


def _share(event: SlackEvent, capture) -> None:
    with capture(execute=True):
        handlers.event(event)


def _texts(value) -> str:
    found = []

    def walk(item):
        if isinstance(item, dict):
            if isinstance(item.get("text"), str):
                found.append(item["text"])
            for child in item.values():
                walk(child)
        elif isinstance(item, list):
            for child in item:
                walk(child)

    walk(value)
    return "\n".join(found)


def _actions(unfurl: dict) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in unfurl["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_a_link_to_a_proposal_unfurls_into_its_card(
    fake_slack, published, django_capture_on_commit_callbacks
):
    proposer = UserFactory(display_name="あいこ", slack_user_id="U0PROPOSER")
    proposal = make_proposal(proposer=proposer, status=Status.TEAM_FORMING, roles=("料理担当",))
    url = f"http://testserver/proposals/{proposal.pk}/"
    _share(_link_shared(url), django_capture_on_commit_callbacks)

    [(target, unfurls)] = _unfurl_jobs(published)
    tasks.slack_unfurl.apply(args=(target, unfurls))
    [call] = fake_slack.calls_to("chat.unfurl")
    assert call.body["unfurl_id"] == "C0MAIN.1700000000.000100.abc123"
    assert call.body["source"] == "conversations_history"
    card = call.body["unfurls"][url]
    text = _texts(card)
    assert f"<{url}|地域の子ども食堂を手伝いたい>" in text
    assert "Idea" not in text and "Team forming" in text
    assert "<@U0PROPOSER>" in text
    assert "料理担当 ×2" in text
    # The channel card's own buttons, so the existing handlers answer them.
    assert _actions(card) == [
        ("proposal_cheer", str(proposal.pk)),
        ("proposal_join", str(proposal.pk)),
    ]


def test_the_unfurl_buttons_are_the_channel_cards_buttons(fake_slack):
    assert {"proposal_cheer", "proposal_join"} <= set(handlers.BUTTONS)


def test_a_filled_role_is_no_longer_offered(published, django_capture_on_commit_callbacks):
    proposal = make_proposal(status=Status.TEAM_FORMING, roles=("designer",))
    add_member(proposal)
    add_member(proposal)
    url = f"http://testserver/proposals/{proposal.pk}/#discussion"
    _share(_link_shared(url), django_capture_on_commit_callbacks)
    [(_target, unfurls)] = _unfurl_jobs(published)
    assert "designer" not in _texts(unfurls[url])


def test_a_message_without_an_unfurl_id_is_named_by_channel_and_ts(
    fake_slack, published, django_capture_on_commit_callbacks
):
    proposal = make_proposal()
    event = _link_shared(f"http://testserver/proposals/{proposal.pk}/")
    event.event.pop("unfurl_id")
    event.event.pop("source")
    _share(event, django_capture_on_commit_callbacks)
    [(target, unfurls)] = _unfurl_jobs(published)
    tasks.slack_unfurl.apply(args=(target, unfurls))
    [call] = fake_slack.calls_to("chat.unfurl")
    assert (call.body["channel"], call.body["ts"]) == ("C0MAIN", "1700000000.000100")


def test_the_unfurl_is_retried_after_a_passing_failure_and_set_once(
    fake_slack, published, django_capture_on_commit_callbacks
):
    proposal = make_proposal()
    _share(
        _link_shared(f"http://testserver/proposals/{proposal.pk}/"),
        django_capture_on_commit_callbacks,
    )
    [(target, unfurls)] = _unfurl_jobs(published)
    fake_slack.fail("chat.unfurl", Fault(status=503))
    tasks.slack_unfurl.apply(args=(target, unfurls))  # a worker retries it (here at once)
    calls = fake_slack.calls_to("chat.unfurl")
    assert [call.status for call in calls] == [503, 200]
    assert calls[0].body == calls[1].body  # the same cards: setting them again changes nothing


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/proposals/{pk}/",
        "http://testserver.evil.example/proposals/{pk}/",
        "http://testserver:8443/proposals/{pk}/",
        "http://testserver/members/",
        "http://testserver/proposals/{pk}/edit/",
        "http://testserver/proposals/999999/",
        "javascript:alert(1)//testserver/proposals/{pk}/",
        "http://testserver:99999/proposals/{pk}/",  # no port at all (Python refuses to read it)
        "http://testserver:x/proposals/{pk}/",
    ],
)
def test_links_that_are_not_a_proposal_page_of_ours_get_nothing(
    published, django_capture_on_commit_callbacks, url
):
    proposal = make_proposal()
    _share(_link_shared(url.format(pk=proposal.pk)), django_capture_on_commit_callbacks)
    assert _unfurl_jobs(published) == []


def test_a_paused_proposal_is_not_shown(published, django_capture_on_commit_callbacks):
    proposal = make_proposal(status=Status.ARCHIVED)
    _share(
        _link_shared(f"http://testserver/proposals/{proposal.pk}/"),
        django_capture_on_commit_callbacks,
    )
    assert _unfurl_jobs(published) == []


def test_of_several_links_only_the_shown_proposals_unfurl(
    published, django_capture_on_commit_callbacks
):
    shown, paused = make_proposal(), make_proposal(status=Status.ARCHIVED)
    urls = [f"http://testserver/proposals/{p.pk}/" for p in (shown, paused)]
    _share(_link_shared(*urls, "https://evil.example/x"), django_capture_on_commit_callbacks)
    [(_target, unfurls)] = _unfurl_jobs(published)
    assert list(unfurls) == [urls[0]]


def test_another_workspace_gets_nothing(published, django_capture_on_commit_callbacks):
    proposal = make_proposal()
    _share(
        _link_shared(f"http://testserver/proposals/{proposal.pk}/", team_id="T0OTHER"),
        django_capture_on_commit_callbacks,
    )
    assert _unfurl_jobs(published) == []


def test_a_channel_shared_with_another_organisation_gets_nothing(
    published, django_capture_on_commit_callbacks
):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    url = f"http://testserver/proposals/{proposal.pk}/"
    shared = _link_shared(url)
    _share(
        SlackEvent(shared.event_id, shared.team_id, shared.type, shared.event, ext_shared=True),
        django_capture_on_commit_callbacks,
    )
    assert _unfurl_jobs(published) == []
    _share(shared, django_capture_on_commit_callbacks)  # the same link in the workspace's own
    assert len(_unfurl_jobs(published)) == 1


def test_every_member_text_in_the_unfurl_is_escaped(
    fake_slack, published, django_capture_on_commit_callbacks
):
    proposer = UserFactory(display_name=HOSTILE)  # no Slack id: the name itself is shown
    proposal = make_proposal(
        proposer=proposer, title=HOSTILE, summary=HOSTILE, roles=(HOSTILE[:60],)
    )
    url = f"http://testserver/proposals/{proposal.pk}/"
    _share(_link_shared(url), django_capture_on_commit_callbacks)
    [(target, unfurls)] = _unfurl_jobs(published)
    tasks.slack_unfurl.apply(args=(target, unfurls))
    [call] = fake_slack.calls_to("chat.unfurl")
    sent = json.dumps(call.body, ensure_ascii=False)
    assert "<!channel>" not in sent and "<@U123>" not in sent
    assert "<https://x.example" not in sent
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in sent
