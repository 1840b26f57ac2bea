"""The one door to Slack's Web API: what every failure becomes, escaping, request signatures."""

import socket
import time

import pytest

from slack_app import client
from slack_app.client import SlackPermanent, SlackRateLimited, SlackTransient
from workers.tests.fake_slack import Fault

from .signed import sign


def test_escaping_leaves_no_control_character():
    assert (
        client.escape("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
    )
    assert client.escape("") == "" and client.escape(None) == ""


def test_a_post_returns_its_ts_without_link_previews(fake_slack):
    ts = client.post_message(channel="C0MAIN", text="hi", blocks=[])
    [message] = fake_slack.messages
    assert message["ts"] == ts
    assert (message["unfurl_links"], message["unfurl_media"]) == (False, False)


def test_a_429_is_a_rate_limit_with_slacks_retry_after(fake_slack):
    fake_slack.fail("chat.postMessage", Fault(status=429, retry_after=7))
    with pytest.raises(SlackRateLimited) as limited:
        client.post_message(channel="C0MAIN", text="hi", blocks=[])
    assert limited.value.retry_after == 7
    assert fake_slack.messages == []


@pytest.mark.parametrize("header", [{"Retry-After": "soon"}, {}, {"retry-after": ["3"]}])
def test_an_odd_retry_after_header_still_gives_a_wait(header):
    assert client._retry_after(header) in (1.0, 3.0)


@pytest.mark.parametrize("error", ["channel_not_found", "invalid_auth", "invalid_blocks"])
def test_what_slack_refuses_is_permanent_and_names_its_code(fake_slack, error):
    fake_slack.fail("chat.postMessage", Fault(error=error))
    with pytest.raises(SlackPermanent) as refused:
        client.post_message(channel="C0MAIN", text="hi", blocks=[])
    assert refused.value.code == error and not refused.value.ambiguous


def test_a_message_not_found_on_update_is_permanent_with_its_code(fake_slack):
    with pytest.raises(SlackPermanent) as refused:
        client.update_message(channel="C0MAIN", ts="1.0", text="x", blocks=[])
    assert refused.value.code == "message_not_found"


def test_server_errors_are_passing_and_ambiguous_for_a_post(fake_slack):
    fake_slack.fail("chat.postMessage", Fault(status=503), Fault(error="internal_error"))
    for _attempt in range(2):
        with pytest.raises(SlackTransient) as passing:
            client.post_message(channel="C0MAIN", text="hi", blocks=[])
        assert passing.value.ambiguous


def test_a_post_kept_by_slack_but_never_answered_is_ambiguous(fake_slack, settings):
    settings.SLACK_TIMEOUT_SECONDS = 1
    fake_slack.fail("chat.postMessage", Fault(accept=True, delay=2))
    with pytest.raises(SlackTransient) as passing:
        client.post_message(channel="C0MAIN", text="hi", blocks=[])
    assert passing.value.ambiguous
    assert len(fake_slack.messages) == 1  # which is why the next attempt looks first


def test_a_refused_connection_is_passing_and_surely_not_posted(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_API_URL = f"http://127.0.0.1:{port}/api/"
    with pytest.raises(SlackTransient) as passing:
        client.post_message(channel="C0MAIN", text="hi", blocks=[])
    assert not passing.value.ambiguous


def test_a_message_is_found_again_by_its_metadata(fake_slack):
    metadata = {"event_type": "incubator_event", "event_payload": {"delivery_id": 5}}
    root = client.post_message(channel="C0MAIN", text="card", blocks=[], metadata=metadata)
    reply = client.post_message(
        channel="C0MAIN", text="reply", blocks=[], thread_ts=root, metadata=metadata
    )
    found = {"event_type": "incubator_event", "key": "delivery_id", "value": 5}
    assert client.find_in_channel(channel="C0MAIN", oldest=0, **found) == root
    assert client.find_in_thread(channel="C0MAIN", root_ts=root, **found) in (root, reply)
    assert client.find_in_channel(channel="C0MAIN", oldest=0, **(found | {"value": 6})) is None


@pytest.mark.parametrize(("status", "error"), [(429, SlackRateLimited), (503, SlackTransient)])
def test_an_ephemeral_answer_that_fails_says_whether_to_retry(fake_slack, status, error):
    fake_slack.fail("hook", Fault(status=status, retry_after=2))
    with pytest.raises(error):
        client.respond_ephemeral(response_url=fake_slack.url + "hook", text="hi")


def test_a_signed_request_is_recognised_and_a_tampered_one_is_not():
    body = b"text=hello"
    headers = sign(body)
    timestamp = headers["HTTP_X_SLACK_REQUEST_TIMESTAMP"]
    signature = headers["HTTP_X_SLACK_SIGNATURE"]
    assert client.request_is_signed(body=body, timestamp=timestamp, signature=signature)
    assert not client.request_is_signed(
        body=b"text=hellp", timestamp=timestamp, signature=signature
    )
    stale = str(int(time.time()) - 301)
    assert not client.request_is_signed(
        body=body, timestamp=stale, signature=sign(body, timestamp=stale)["HTTP_X_SLACK_SIGNATURE"]
    )
    for odd in ("", "abc", "1.5", "١٢٣", " 12"):
        assert not client.request_is_signed(body=body, timestamp=odd, signature=signature)
    assert not client.request_is_signed(body=b"\xff", timestamp=timestamp, signature=signature)
