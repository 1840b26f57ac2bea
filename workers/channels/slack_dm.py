"""Slack direct messages: one personal notification to one member, in the app's direct-message
conversation with them (a meetup's reminder or news, an invitation with its Accept / Not now
buttons, any kind the member asked for on the settings page).

Only sends, in the language and time zone the caller made active (email.as_reader). Each post
carries the event and delivery ids in message metadata, so a retry after an ambiguous failure finds
its earlier post (`find`) instead of posting twice; when to send, the workspace's pace and what
happened are workers.dispatch's and workers.outbox's.
"""

from dataclasses import dataclass

from django.utils import timezone

from meetups import permissions as meetup_permissions
from meetups.choices import MeetupStatus
from meetups.models import Meetup, Rsvp
from proposals.choices import MembershipStatus
from proposals.models import AuthorAnswer, Invitation, InvitationStatus, Membership, SlackOrigin
from slack_app import blocks, client, shortcut_blocks

from ..events import EventKind, MeetupEventKind, summary
from ..models import Delivery
from ..selectors import absolute, notification_path, notification_quote
from .slack import HISTORY_MARGIN_SECONDS

DM_METADATA = "incubator_dm"
# The meetup's news that tells someone where to be: the online link comes with it, for whoever
# may see it.
WITH_WHERE = frozenset({MeetupEventKind.REMINDER, MeetupEventKind.PROMOTED, MeetupEventKind.MOVED})


def is_configured() -> bool:
    return client.is_configured()


@dataclass(frozen=True)
class Prepared:
    """What a delivery's direct message says, or why it is not worth sending any more."""

    message: blocks.Message | None = None
    skip: str = ""


def open_conversation(*, slack_user_id: str) -> str:
    """The app's direct-message conversation with this Slack user: its id."""
    return client.open_direct_message(user=slack_user_id)


def _invitation(delivery: Delivery, url: str) -> Prepared:
    pk = delivery.event.payload.get("invitation_id")
    invitation = (
        Invitation.objects.select_related("proposal", "invited_by").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if invitation is None:
        return Prepared(skip="The invitation no longer exists.")
    if invitation.status != InvitationStatus.OPEN or invitation.expires_at <= timezone.now():
        # Answered on the web (or ended) before this left: no buttons that can only refuse.
        return Prepared(skip="The invitation was answered or ended before the message left.")
    return Prepared(
        message=blocks.invitation_dm(
            blocks.InvitationDm(
                invitation_id=invitation.pk,
                inviter=invitation.invited_by.public_name if invitation.invited_by else "",
                title=invitation.proposal.title,
                role=invitation.role,
                message=invitation.message,
                url=url,
                expires_at=invitation.expires_at,
            )
        )
    )


def _author_asked(delivery: Delivery, url: str) -> Prepared:
    """A proposal made from the member's Slack message on their behalf: is it theirs? With
    Confirm / Not me, unless they answered (on the web) before the message left."""
    pk = delivery.event.payload.get("origin_id")
    origin = (
        SlackOrigin.objects.select_related("proposal", "submitted_by").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if origin is None or origin.author_answer != AuthorAnswer.PENDING:
        return Prepared(skip="The question was answered before the message left.")
    return Prepared(
        message=shortcut_blocks.author_dm(
            shortcut_blocks.AuthorDm(
                origin_id=origin.pk,
                submitter=origin.submitted_by.public_name if origin.submitted_by else "",
                title=origin.proposal.title,
                url=url,
            )
        )
    )


def _commitment(delivery: Delivery, url: str) -> Prepared:
    """The commitment question with its buttons (1 / 3 / 6 more months, finish with thanks),
    unless it was answered (on the web) before the message left."""
    payload = delivery.event.payload
    pk = payload.get("membership_id")
    still = Membership.objects.filter(
        pk=pk if isinstance(pk, int) else None,
        user_id=delivery.recipient_id,
        status=MembershipStatus.ACCEPTED,
        until=payload.get("until") or None,
    ).exists()
    if not still:
        return Prepared(skip="The question was answered before the message left.")
    return Prepared(message=blocks.commitment_question(payload=payload, page_url=url))


def _meetup_where(delivery: Delivery) -> tuple[str, str, str]:
    """(place, online link, why not send): read now, so a reminder tells where it is today."""
    event = delivery.event
    meetup = Meetup.objects.filter(pk=event.payload.get("meetup_id")).first()
    if meetup is None:
        return "", "", "The meetup no longer exists."
    if event.kind == MeetupEventKind.REMINDER and (
        meetup.status != MeetupStatus.SCHEDULED or meetup.has_ended
    ):
        return "", "", "The meetup was cancelled or is over before the reminder left."
    if event.kind not in WITH_WHERE or meetup.status != MeetupStatus.SCHEDULED:
        return "", "", ""
    user = delivery.recipient
    rsvp = Rsvp.objects.filter(meetup=meetup, user=user).first()
    online = (
        meetup.online_url if meetup_permissions.can_see_online_link(user, meetup, rsvp=rsvp) else ""
    )
    return meetup.place, online, ""


def prepare(delivery: Delivery) -> Prepared:
    """The direct message for this delivery, from the event and the current state (an invitation
    still open, a meetup's place and link today), in the active language."""
    event = delivery.event
    url = absolute(
        notification_path(kind=event.kind, proposal_id=event.proposal_id, payload=event.payload)
        or "/"
    )
    if event.kind == EventKind.INVITED:
        return _invitation(delivery, url)
    if event.kind == EventKind.COMMITMENT_ENDING:
        return _commitment(delivery, url)
    if event.kind == EventKind.AUTHOR_ASKED:
        return _author_asked(delivery, url)
    quote, _reply_from = notification_quote(
        kind=event.kind, payload=event.payload, recipient_id=delivery.recipient_id
    )
    place = online = ""
    if event.kind in MeetupEventKind.values:
        place, online, skip = _meetup_where(delivery)
        if skip:
            return Prepared(skip=skip)
        if event.kind == MeetupEventKind.CANCELLED:
            quote = event.payload.get("note", "")
    # What the event says beyond its headline (the organisers' weekly figures and their change).
    quote = quote or summary(event.kind, event.payload)
    return Prepared(
        message=blocks.direct_message(
            blocks.DirectMessage(
                kind=event.kind,
                payload=event.payload,
                recipient_id=delivery.recipient_id,
                url=url,
                quote=quote,
                place=place,
                online_url=online,
            )
        )
    )


def _metadata(delivery: Delivery) -> dict:
    return {
        "event_type": DM_METADATA,
        "event_payload": {"event_id": delivery.event_id, "delivery_id": delivery.pk},
    }


def post(*, channel: str, delivery: Delivery, message: blocks.Message) -> str:
    return client.post_message(
        channel=channel, text=message.text, blocks=message.blocks, metadata=_metadata(delivery)
    )


def find(*, channel: str, delivery: Delivery) -> str | None:
    """The post an earlier attempt of this delivery may have made (Slack kept it, we never heard)."""
    return client.find_in_channel(
        channel=channel,
        oldest=delivery.created_at.timestamp() - HISTORY_MARGIN_SECONDS,
        event_type=DM_METADATA,
        key="delivery_id",
        value=delivery.pk,
    )
