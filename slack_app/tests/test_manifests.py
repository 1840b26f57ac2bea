"""The Slack app manifests a self-hoster creates the app from: over HTTP, every request URL is one
of our endpoints; over Socket Mode, none is needed; both ask for the same features and scopes."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from django.conf import settings
from django.urls import resolve

DEPLOY = Path(settings.BASE_DIR) / "deploy"
HTTP = yaml.safe_load((DEPLOY / "slack-app-manifest.yml").read_text())
SOCKET_MODE = yaml.safe_load((DEPLOY / "slack-app-manifest-socket-mode.yml").read_text())


def _urls(node, path=""):
    """Every (where, URL) of a request URL in the manifest (Sign in with Slack's redirect aside)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("url", "request_url"):
                yield f"{path}.{key}", value
            elif key != "redirect_urls":
                yield from _urls(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _urls(item, path)


def _without_urls(node):
    if isinstance(node, dict):
        return {
            key: _without_urls(value)
            for key, value in node.items()
            if key not in ("url", "request_url", "socket_mode_enabled")
        }
    if isinstance(node, list):
        return [_without_urls(item) for item in node]
    return node


def test_over_http_every_request_url_is_one_of_our_endpoints():
    urls = dict(_urls(HTTP))
    assert set(urls) == {
        ".features.slash_commands.url",
        ".settings.event_subscriptions.request_url",
        ".settings.interactivity.request_url",
    }
    names = {resolve(urlsplit(url).path).url_name for url in urls.values()}
    assert names == {"slack_commands", "slack_events", "slack_interactions"}
    assert HTTP["settings"]["socket_mode_enabled"] is False


def test_over_socket_mode_no_request_url_is_needed():
    assert dict(_urls(SOCKET_MODE)) == {}
    assert SOCKET_MODE["settings"]["socket_mode_enabled"] is True
    assert _without_urls(SOCKET_MODE) == _without_urls(HTTP)  # the same app otherwise


def test_the_app_asks_for_what_issue_12_uses():
    features = HTTP["features"]
    [shortcut] = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", "make_proposal")
    assert (
        shortcut["name"] == "やってみたいにする" and "Make it a proposal" in shortcut["description"]
    )
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["unfurl_domains"]
    assert set(HTTP["settings"]["event_subscriptions"]["bot_events"]) == {
        "message.channels", "message.groups", "reaction_added", "app_home_opened", "link_shared"
    }  # fmt: skip
    scopes = set(HTTP["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write", "channels:history", "groups:history", "commands", "im:write",
        "reactions:read",
        "links:read", "links:write", "users:read",
    } <= scopes  # fmt: skip


# Each Web API method slack_app.client calls → the bot scopes it needs in the conversations we
# call it on (a proposals channel public or private, a member's DM, an introduction's group DM).
METHOD_SCOPES = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.getPermalink": set(),
    "chat.unfurl": {"links:write"},
    "conversations.open": {"im:write", "mpim:write"},
    # Finding an earlier post: in the channel, a member's DM, an introduction's group DM.
    "conversations.history": {"channels:history", "groups:history", "im:history", "mpim:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "views.open": set(),
    "views.publish": set(),
}


def test_every_web_api_method_the_code_calls_has_its_scopes():
    source = (Path(settings.BASE_DIR) / "slack_app" / "client.py").read_text()
    called = set(
        re.findall(r'"((?:chat|conversations|views|users|reactions)\.[A-Za-z.]+)"', source)
    )
    assert called == set(METHOD_SCOPES)  # a new method: say here which scopes it needs
    for manifest in (HTTP, SOCKET_MODE):
        scopes = set(manifest["oauth_config"]["scopes"]["bot"])
        for method, needed in METHOD_SCOPES.items():
            assert needed <= scopes, (method, needed - scopes)
