"""Slack: a community meetup's announcement, one card in the community's channel, rendered from the
current state and edited in place (counts, time, status). No replies go under it.

Only sends. The card carries the meetup's id in message metadata, so an attempt that crashed after
Slack kept the post finds it (`find_card`) instead of posting twice; when to post or edit it is
workers.relay's, recording what happened workers.outbox's.
"""

from django.conf import settings
from django.utils import timezone

from meetups.choices import MeetupKind, MeetupStatus, Visibility
from meetups.models import Meetup
from slack_app import blocks, client

from ..models import SlackThread
from .slack import HISTORY_MARGIN_SECONDS, person

CARD_METADATA = "incubator_meetup_card"


def meetup_for_card(*, meetup_id: int) -> Meetup | None:
    """The meetup with what its card shows (its hosts); None when it was deleted meanwhile."""
    return Meetup.objects.prefetch_related("hosts").filter(pk=meetup_id).first()


def card_data(meetup: Meetup) -> blocks.MeetupCard:
    kinds = dict(MeetupKind.choices)
    return blocks.MeetupCard(
        meetup_id=meetup.pk,
        title=meetup.title,
        kind_label=str(kinds.get(meetup.kind, meetup.kind)),
        starts_at=meetup.starts_at,
        ends_at=meetup.ends_at,
        zone=settings.TIME_ZONE,
        place=meetup.place,
        has_online_link=bool(meetup.online_url),
        going=meetup.going_count,
        waiting=meetup.waitlist_count,
        maybe=meetup.maybe_count,
        capacity=meetup.capacity,
        url=settings.SITE_URL.rstrip("/") + meetup.get_absolute_url(),
        hosts=tuple(person(host) for host in sorted(meetup.hosts.all(), key=lambda u: u.pk)),
        cancelled=meetup.status == MeetupStatus.CANCELLED,
        cancel_note=meetup.cancel_note,
        ended=meetup.has_ended,
        public=meetup.visibility == Visibility.COMMUNITY,
    )


def worth_announcing(meetup: Meetup) -> bool:
    """A first card (or one deleted in Slack) is posted only for a meetup the whole community may
    see and still answer: never a "cancelled" or "no longer open" card nobody saw announced."""
    return (
        meetup.visibility == Visibility.COMMUNITY
        and meetup.status == MeetupStatus.SCHEDULED
        and meetup.ends_at > timezone.now()
    )


def post_card(*, channel: str, meetup: Meetup) -> str:
    message = blocks.meetup_card(card_data(meetup), version=1)
    metadata = {"event_type": CARD_METADATA, "event_payload": {"meetup_id": meetup.pk}}
    return client.post_message(
        text=message.text, blocks=message.blocks, channel=channel, metadata=metadata
    )


def find_card(*, thread: SlackThread, meetup: Meetup) -> str | None:
    return client.find_in_channel(
        channel=thread.channel_id,
        oldest=thread.created_at.timestamp() - HISTORY_MARGIN_SECONDS,
        event_type=CARD_METADATA,
        key="meetup_id",
        value=meetup.pk,
    )


def update_card(*, thread: SlackThread, meetup: Meetup, version: int) -> None:
    """chat.update from the current state: idempotent and insensitive to the order of changes."""
    message = blocks.meetup_card(card_data(meetup), version=version)
    client.update_message(
        channel=thread.channel_id, ts=thread.root_ts, text=message.text, blocks=message.blocks
    )
