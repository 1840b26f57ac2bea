"""Unfurls: a link to a proposal's page posted in the workspace shows a compact card.

The `link_shared` event's handler (slack_app.handlers.EVENT_HANDLERS). Only links to this site's
proposal pages (SITE_URL's host, `/proposals/<id>/`), only from the configured workspace, never in
a channel shared with another organisation (Slack Connect), and only for proposals out in the
open (permissions.can_unfurl) get a card; anything else gets nothing, so
Slack shows the link as it is. chat.unfurl is called by a task after commit (retried; setting the
same unfurls twice changes nothing).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from proposals import permissions, selectors
from proposals.models import Proposal
from workers import publish
from workers.channels.slack import person

from . import blocks
from .events import SlackEvent

# Slack sends the links of one message; a message with many links unfurls the first few.
LINKS_MAX = 5


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _proposal_id(url: str) -> int | None:
    """The proposal a link points to, if it is one of our proposal pages."""
    site = urlsplit(settings.SITE_URL)
    try:
        link = urlsplit(url)
        host, port = link.hostname, link.port  # either raises for a link that names none
    except ValueError:
        return None
    if link.scheme not in ("http", "https") or not host or host != site.hostname:
        return None
    if port != site.port and not (site.port is None and port in (80, 443)):
        return None
    prefix = site.path.rstrip("/")
    if prefix and not link.path.startswith(prefix + "/"):
        return None
    try:
        match = resolve(link.path[len(prefix) :] or "/")
    except Resolver404:
        return None
    if match.view_name != "proposals:detail":
        return None
    pk = match.kwargs.get("pk")
    return pk if isinstance(pk, int) and 0 < pk < 2**63 else None


def _card(proposal: Proposal) -> blocks.Card:
    return blocks.Card(
        proposal_id=proposal.pk,
        title=proposal.title,
        summary=proposal.summary,
        status=proposal.status,
        proposer=person(proposal.proposer),
        team_size=proposal.member_count,
        cheers=proposal.cheer_count,
        comments=proposal.comment_count,
        url=settings.SITE_URL.rstrip("/") + proposal.get_absolute_url(),
        open_roles=tuple(
            blocks.OpenRole(name=role.name, open=role.open)
            for role in selectors.roles_still_open(proposal)
        ),
    )


def unfurls_for(links: list) -> dict[str, dict]:
    """Each link to a proposal page that may be shown → its card (as chat.unfurl takes it)."""
    wanted: dict[str, int] = {}
    for link in links[:LINKS_MAX]:
        url = _text(link.get("url")) if isinstance(link, dict) else ""
        pk = _proposal_id(url) if url else None
        if pk is not None:
            wanted[url] = pk
    if not wanted:
        return {}
    proposals = {
        proposal.pk: proposal
        for proposal in Proposal.objects.select_related("proposer")
        .prefetch_related("roles_wanted")
        .filter(pk__in=set(wanted.values()))
    }
    return {
        url: blocks.unfurl(_card(proposals[pk]))
        for url, pk in wanted.items()
        if pk in proposals and permissions.can_unfurl(proposals[pk])
    }


def link_shared(slack_event: SlackEvent) -> None:
    if settings.SLACK_TEAM_ID and slack_event.team_id != settings.SLACK_TEAM_ID:
        return
    if slack_event.ext_shared:
        # A channel shared with another organisation (Slack Connect): a card would show the
        # community's proposal to people outside it.
        return
    event = slack_event.event
    links = event.get("links")
    unfurls = unfurls_for(links if isinstance(links, list) else [])
    if not unfurls:
        return
    unfurl_id, source = _text(event.get("unfurl_id")), _text(event.get("source"))
    channel, ts = _text(event.get("channel")), _text(event.get("message_ts"))
    if unfurl_id and source:
        # A link still in the composer has no message yet: Slack names it by its unfurl id.
        target = {"unfurl_id": unfurl_id, "source": source}
    elif channel and ts:
        target = {"channel": channel, "ts": ts}
    else:
        return
    publish.after_commit(publish.SLACK_UNFURL, target, unfurls)
