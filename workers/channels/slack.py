"""Slack: one root message per proposal (its card, re-rendered from the current state and edited in
place), each event a reply in that thread, the weekly digest a message of its own.

Only sends. Posts carry the event and delivery ids in message metadata, so a retry after an
ambiguous failure finds its earlier post (`find_*`) instead of posting twice; which of these steps
to take, and recording what happened, is workers.dispatch's and workers.outbox's.
"""

from django.conf import settings
from django.urls import reverse

from proposals import selectors as proposal_selectors
from slack_app import blocks, client

from ..models import Delivery, SlackThread

EVENT_METADATA = "incubator_event"
CARD_METADATA = "incubator_card"
# The proposal's card in the thread of the Slack message it was made from (issue 12).
SOURCE_CARD_METADATA = "incubator_source_card"
# A little earlier than the row's own time: Slack's clock and ours may differ.
HISTORY_MARGIN_SECONDS = 60


def is_configured() -> bool:
    return client.is_configured()


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def person(user) -> blocks.Person | None:
    if user is None:
        return None
    return blocks.Person(name=user.public_name, slack_user_id=user.slack_user_id or "")


def card_data(proposal) -> blocks.Card:
    return blocks.Card(
        proposal_id=proposal.pk,
        title=proposal.title,
        summary=proposal.summary,
        status=proposal.status,
        proposer=person(proposal.proposer),
        team_size=proposal.member_count,
        cheers=proposal.cheer_count,
        comments=proposal.comment_count,
        url=_absolute(proposal.get_absolute_url()),
        open_roles=tuple(
            blocks.OpenRole(name=role.name, open=role.open)
            for role in proposal_selectors.open_roles(proposal)
        ),
        idea_from=proposal_selectors.idea_from(proposal),
    )


def _metadata(delivery: Delivery, kind: str = EVENT_METADATA, **extra) -> dict:
    return {
        "event_type": kind,
        "event_payload": {"event_id": delivery.event_id, "delivery_id": delivery.pk, **extra},
    }


def _post(message: blocks.Message, **kwargs) -> str:
    return client.post_message(text=message.text, blocks=message.blocks, **kwargs)


def post_card(*, channel: str, proposal, delivery: Delivery | None) -> str:
    """The proposal's card (posted again without a delivery when it was deleted in Slack)."""
    message = blocks.card(card_data(proposal), version=1)
    if delivery is not None:
        metadata = _metadata(delivery, CARD_METADATA, proposal_id=proposal.pk)
    else:
        metadata = {"event_type": CARD_METADATA, "event_payload": {"proposal_id": proposal.pk}}
    return _post(message, channel=channel, metadata=metadata)


def find_card(*, channel: str, proposal) -> str | None:
    return client.find_in_channel(
        channel=channel,
        oldest=proposal.created_at.timestamp() - HISTORY_MARGIN_SECONDS,
        event_type=CARD_METADATA,
        key="proposal_id",
        value=proposal.pk,
    )


def post_source_card(*, thread: SlackThread, proposal) -> str:
    """The proposal's card as a reply under the message it was made from."""
    message = blocks.card(card_data(proposal), version=1)
    metadata = {"event_type": SOURCE_CARD_METADATA, "event_payload": {"proposal_id": proposal.pk}}
    return _post(message, channel=thread.channel_id, thread_ts=thread.parent_ts, metadata=metadata)


def find_source_card(*, thread: SlackThread, proposal) -> str | None:
    return client.find_in_thread(
        channel=thread.channel_id,
        root_ts=thread.parent_ts,
        event_type=SOURCE_CARD_METADATA,
        key="proposal_id",
        value=proposal.pk,
    )


def update_card(*, thread: SlackThread, proposal, version: int) -> None:
    """chat.update from the current state: idempotent and insensitive to event order."""
    message = blocks.card(card_data(proposal), version=version)
    client.update_message(
        channel=thread.channel_id, ts=thread.root_ts, text=message.text, blocks=message.blocks
    )


def _reply_data(delivery: Delivery) -> blocks.Reply:
    event = delivery.event
    proposal = event.proposal
    return blocks.Reply(
        kind=event.kind,
        payload=event.payload,
        actor=person(event.actor),
        proposer=person(proposal.proposer) if proposal is not None else None,
        proposal_id=event.proposal_id,
    )


def post_reply(*, thread: SlackThread, delivery: Delivery) -> str:
    return _post(
        blocks.reply(_reply_data(delivery)),
        channel=thread.channel_id,
        thread_ts=thread.root_ts,
        metadata=_metadata(delivery),
    )


def find_reply(*, thread: SlackThread, delivery: Delivery) -> str | None:
    return client.find_in_thread(
        channel=thread.channel_id,
        root_ts=thread.root_ts,
        event_type=EVENT_METADATA,
        key="delivery_id",
        value=delivery.pk,
    )


def post_weekly_digest(*, delivery: Delivery) -> str:
    message = blocks.weekly_digest(
        sections=delivery.event.payload.get("sections") or {}, site_url=settings.SITE_URL
    )
    return _post(message, channel=settings.SLACK_CHANNEL_ID, metadata=_metadata(delivery))


def find_weekly_digest(*, delivery: Delivery) -> str | None:
    return client.find_in_channel(
        channel=settings.SLACK_CHANNEL_ID,
        oldest=delivery.event.created_at.timestamp() - HISTORY_MARGIN_SECONDS,
        event_type=EVENT_METADATA,
        key="delivery_id",
        value=delivery.pk,
    )


def _self_introduction_data(delivery: Delivery) -> blocks.SelfIntroduction | None:
    """The member's introduction from their profile as it is now (None: they have left)."""
    user = delivery.event.actor
    if user is None or not user.is_active:
        return None
    return blocks.SelfIntroduction(
        person=person(user),
        bio=user.bio,
        interests=tuple(user.interests or ()),
        url=_absolute(reverse("members:profile", args=[user.username])),
    )


def post_self_introduction(*, delivery: Delivery) -> str | None:
    """Post the member's self-introduction to the introductions channel (the delivery's lane);
    None when there is nobody to introduce any more."""
    data = _self_introduction_data(delivery)
    if data is None:
        return None
    return _post(
        blocks.self_introduction(data), channel=delivery.lane, metadata=_metadata(delivery)
    )


def find_self_introduction(*, delivery: Delivery) -> str | None:
    return client.find_in_channel(
        channel=delivery.lane,
        oldest=delivery.event.created_at.timestamp() - HISTORY_MARGIN_SECONDS,
        event_type=EVENT_METADATA,
        key="delivery_id",
        value=delivery.pk,
    )
