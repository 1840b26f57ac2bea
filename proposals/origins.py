"""Proposals made from a Slack message ("Make it a proposal", issue 12): every write and read of
their origin.

The proposal keeps where it was said (channel, ts, the message's author, the permalink a worker
asks Slack for). Whoever submits it chooses who proposes it: themselves, or the message's author
when that author is a linked member. For the author it is "an idea from <author>" until they
confirm: the submitter is its proposer (and steers it) meanwhile, the author is asked in a direct
message (Confirm / Not me, the same on the proposal's page), and only confirming makes them the
proposer. "Not me" leaves it with the submitter.
"""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.selectors import member_for_slack
from workers import services as notify
from workers.events import EventKind

from . import permissions, services
from .choices import PROPOSER_ROLE, MembershipStatus
from .errors import ActionConflict, ActionNotPermitted
from .models import AuthorAnswer, Follow, Membership, Proposal, SlackOrigin


def origin_for(*, proposal_id: int) -> SlackOrigin | None:
    """The proposal's Slack origin with its author, or None (one query)."""
    return SlackOrigin.objects.select_related("author").filter(proposal_id=proposal_id).first()


def origin_of(proposal: Proposal) -> SlackOrigin | None:
    """The proposal's Slack origin, or None: no query when the proposal was read with it
    (selectors.proposal_detail), else one."""
    try:
        return proposal.slack_origin
    except SlackOrigin.DoesNotExist:
        return None


def origin_by_id(*, origin_id: int) -> SlackOrigin | None:
    return SlackOrigin.objects.filter(pk=origin_id).first()


def origin_of_message(*, channel_id: str, message_ts: str) -> SlackOrigin | None:
    return (
        SlackOrigin.objects.select_related("proposal")
        .filter(channel_id=channel_id, message_ts=message_ts)
        .first()
    )


def _already(origin: SlackOrigin) -> ActionConflict:
    return ActionConflict(
        _("This message is already a proposal: “%(title)s”.") % {"title": origin.proposal.title}
    )


def proposal_from_slack(
    *,
    submitter,
    title: str,
    summary: str,
    tags: Iterable[str] = (),
    channel_id: str,
    message_ts: str,
    thread_ts: str = "",
    author_slack_user_id: str = "",
    for_author: bool = False,
    submission_key: str = "",
) -> Proposal:
    """A proposal from a Slack message, with its origin; its card is posted in the message's
    thread. `for_author`: proposed as the message's author's idea (when they are a linked member
    other than the submitter), waiting for them to confirm. The same submission again (its key)
    gives the same proposal; another one of the same message is refused."""
    if "\x00" in channel_id + message_ts + thread_ts + author_slack_user_id:
        raise ActionConflict(_("That message can't be made into a proposal."))
    earlier = origin_of_message(channel_id=channel_id, message_ts=message_ts)
    if earlier is not None:
        if submission_key and earlier.proposal.submission_key == submission_key[:64]:
            return earlier.proposal
        raise _already(earlier)
    author = member_for_slack(slack_user_id=author_slack_user_id)
    on_behalf = bool(for_author and author is not None and author.pk != submitter.pk)
    try:
        with transaction.atomic():
            proposal = services.proposal_submit(
                proposer=submitter,
                title=title,
                summary=summary,
                tags=tags,
                submission_key=submission_key,
            )
            origin = SlackOrigin.objects.create(
                proposal=proposal,
                channel_id=channel_id,
                message_ts=message_ts,
                author_slack_user_id=author_slack_user_id,
                author=author,
                submitted_by=submitter,
                author_answer=AuthorAnswer.PENDING if on_behalf else AuthorAnswer.NONE,
            )
            notify.slack_source_card_open(
                proposal=proposal, channel_id=channel_id, parent_ts=thread_ts or message_ts
            )
            if on_behalf:
                # Addressed to the author by name: in the app, and by DM and email as they chose
                # (on by default: it asks them to act).
                notify.record_event_for(
                    kind=EventKind.AUTHOR_ASKED,
                    recipient_ids={author.pk},
                    actor=submitter,
                    proposal=proposal,
                    payload={"origin_id": origin.pk},
                )
            notify.slack_origin_recorded(origin_id=origin.pk)
    except IntegrityError:
        # The same message made a proposal at the same moment elsewhere: nothing of this one stays.
        earlier = origin_of_message(channel_id=channel_id, message_ts=message_ts)
        if earlier is None:
            raise
        raise _already(earlier) from None
    return proposal


def _lock_pending(origin: SlackOrigin, by) -> tuple[Proposal, SlackOrigin]:
    proposal = Proposal.objects.select_for_update().get(pk=origin.proposal_id)
    locked = SlackOrigin.objects.select_for_update().get(pk=origin.pk)
    if locked.author_id != getattr(by, "pk", None):
        raise ActionNotPermitted(_("Only the person who wrote the message can answer this."))
    if not permissions.can_answer_authorship(by, locked):
        raise ActionConflict(_("This has already been answered."))
    return proposal, locked


def origin_confirm(*, origin: SlackOrigin, by) -> SlackOrigin:
    """The author confirms: the proposal is theirs now (proposer and the proposer's place on the
    team); the submitter keeps following it."""
    with transaction.atomic():
        proposal, locked = _lock_pending(origin, by)
        # What shows the proposal as it was (the submitter's App Home, among others) and, below,
        # as it is now (the author's) both hear of the change; the cards render the latest state.
        notify.proposal_changed(proposal=proposal)
        now = timezone.now()
        # A join request the author made meanwhile gives way to the proposer's place.
        Membership.objects.filter(proposal=proposal, user=by).exclude(role=PROPOSER_ROLE).delete()
        Membership.objects.filter(proposal=proposal, role=PROPOSER_ROLE).update(
            user=by, decided_by=by, decided_at=now, status=MembershipStatus.ACCEPTED
        )
        Follow.objects.get_or_create(proposal=proposal, user=by)
        Proposal.objects.filter(pk=proposal.pk).update(proposer=by, updated_at=now)
        proposal.proposer = by
        count = proposal.memberships.filter(status=MembershipStatus.ACCEPTED).count()
        Proposal.objects.filter(pk=proposal.pk).update(member_count=count)
        locked.author_answer = AuthorAnswer.CONFIRMED
        locked.answered_at = now
        locked.save(update_fields=["author_answer", "answered_at"])
        # The cards (the channel's and the one in the message's thread) name the new proposer.
        notify.proposal_changed(proposal=proposal)
    return locked


def origin_decline(*, origin: SlackOrigin, by) -> SlackOrigin:
    """ "Not me": the proposal stays with the person who submitted it."""
    with transaction.atomic():
        proposal, locked = _lock_pending(origin, by)
        locked.author_answer = AuthorAnswer.DECLINED
        locked.answered_at = timezone.now()
        locked.save(update_fields=["author_answer", "answered_at"])
        Proposal.objects.filter(pk=proposal.pk).update(updated_at=locked.answered_at)
        # The cards stop saying it waits for them.
        notify.proposal_changed(proposal=proposal)
    return locked


def origins_unanswered_end(*, author) -> int:
    """The author's account is going: ideas made from their messages that still wait for them to
    say "it's mine" will never be answered. They stay with the members who shared them, as after
    "not me", and stop saying they wait for anyone (pages and cards move on). Returns how many."""
    now = timezone.now()
    pending = SlackOrigin.objects.filter(author=author, author_answer=AuthorAnswer.PENDING)
    proposal_ids = list(pending.values_list("proposal_id", flat=True))
    if proposal_ids:
        pending.update(author_answer=AuthorAnswer.DECLINED, answered_at=now)
        Proposal.objects.filter(pk__in=proposal_ids).update(updated_at=now)
        for proposal in Proposal.objects.filter(pk__in=proposal_ids):
            notify.proposal_changed(proposal=proposal)
    return len(proposal_ids)


def origin_permalink_set(*, origin_id: int, permalink: str) -> bool:
    """What chat.getPermalink answered (a worker asks once the proposal has committed)."""
    return bool(
        SlackOrigin.objects.filter(pk=origin_id, permalink="").update(permalink=permalink[:500])
    )
