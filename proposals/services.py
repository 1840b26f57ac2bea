"""Every write to the domain. Each service validates, checks permission, locks, then saves."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Func, IntegerField, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from members.selectors import can_see_profile
from workers import services as notify
from workers.events import CommitmentEventKind, InvitationEventKind, excerpt

from . import commitments, permissions
from .choices import PROPOSER_ROLE, MembershipStatus, Status
from .errors import ActionConflict, ActionNotPermitted
from .lifecycle import TRANSITIONS, spec_for, targets_from
from .markdown import render_markdown
from .models import (
    COMMENT_MAX,
    NOTE_MAX,
    Cheer,
    Comment,
    Follow,
    Invitation,
    InvitationStatus,
    Membership,
    Proposal,
    RoleWanted,
    Tag,
    TransitionLog,
)

MAX_TAGS = 10
MAX_ROLES = 10


@dataclass(frozen=True)
class RoleInput:
    name: str
    count: int = 1
    pace: str = ""


def _refuse_nul(**fields: str | None) -> None:
    """Text a database cannot store (PostgreSQL refuses NUL) is a person's input error, on every
    surface: a page, the API or Slack."""
    errors = {
        name: _("This text contains a character that can't be saved (NUL). Please remove it.")
        for name, value in fields.items()
        if value and "\x00" in value
    }
    if errors:
        raise ValidationError(errors)


def _lock(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _clean_tags(names: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in names:
        name = " ".join(str(raw).split()).lstrip("#")
        if not name:
            continue
        _refuse_nul(tags=name)
        if len(name) > 40:
            raise ValidationError({"tags": _("A theme can be at most 40 characters.")})
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(n)d themes, please.") % {"n": MAX_TAGS}})
    return cleaned


def _clean_roles(roles: Iterable[RoleInput]) -> list[RoleInput]:
    cleaned: dict[str, RoleInput] = {}
    for role in roles:
        _refuse_nul(roles=role.name + role.pace)
        name = " ".join(role.name.split())
        if not name:
            continue
        if name == PROPOSER_ROLE:
            raise ValidationError({"roles": _("“proposer” is taken by the proposer.")})
        candidate = RoleInput(name=name, count=role.count, pace=role.pace.strip())
        RoleWanted(name=candidate.name, count=candidate.count, pace=candidate.pace).clean_fields(
            exclude=["proposal"]
        )
        cleaned[name] = candidate
    if len(cleaned) > MAX_ROLES:
        raise ValidationError({"roles": _("At most %(n)d roles, please.") % {"n": MAX_ROLES}})
    return list(cleaned.values())


def _set_tags(proposal: Proposal, names: list[str]) -> None:
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    proposal.tags.set(Tag.objects.filter(name__in=names))


def _set_roles(proposal: Proposal, roles: list[RoleInput]) -> None:
    keep = [role.name for role in roles]
    proposal.roles_wanted.exclude(name__in=keep).delete()
    for role in roles:
        RoleWanted.objects.update_or_create(
            proposal=proposal, name=role.name, defaults={"count": role.count, "pace": role.pace}
        )


def proposal_submit(
    *,
    proposer,
    title: str,
    summary: str,
    body: str = "",
    tags: Iterable[str] = (),
    roles: Iterable[RoleInput] = (),
    submission_key: str = "",
    is_public: bool = False,
) -> Proposal:
    """Create an idea. Only a title and a one-line summary are needed; a repeated key returns the first.

    `is_public`: visitors outside the community may see its title, summary, stage and open roles."""
    _refuse_nul(title=title, summary=summary, body=body)
    if submission_key:
        existing = Proposal.objects.filter(proposer=proposer, submission_key=submission_key).first()
        if existing:
            return existing
    proposal = Proposal(
        proposer=proposer,
        title=title.strip(),
        summary=summary.strip(),
        body=body,
        submission_key=submission_key[:64],
        is_public=bool(is_public),
    )
    proposal.render()
    proposal.full_clean(exclude=["proposer", "status", "tags"])
    tag_names = _clean_tags(tags)
    role_inputs = _clean_roles(roles)
    try:
        with transaction.atomic():
            proposal.save()
            _set_tags(proposal, tag_names)
            _set_roles(proposal, role_inputs)
            Membership.objects.create(
                proposal=proposal,
                user=proposer,
                role=PROPOSER_ROLE,
                status=MembershipStatus.ACCEPTED,
                decided_by=proposer,
                decided_at=proposal.created_at,
            )
            Follow.objects.create(proposal=proposal, user=proposer)
            notify.proposal_submitted(proposal=proposal)
    except IntegrityError:
        existing = Proposal.objects.filter(proposer=proposer, submission_key=submission_key).first()
        if submission_key and existing:
            return existing
        raise
    return proposal


def proposal_update(
    *,
    proposal: Proposal,
    by,
    title: str | None = None,
    summary: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | None = None,
    roles: Iterable[RoleInput] | None = None,
    is_public: bool | None = None,
) -> Proposal:
    """Only the fields given change (None: unchanged)."""
    if not permissions.can_steer(by, proposal):
        raise ActionNotPermitted(_("Only the proposer or a moderator can edit this proposal."))
    if is_public is not None and not permissions.can_make_public(by, proposal):
        raise ActionNotPermitted(
            _("Only the proposer or a moderator can choose whether visitors see this proposal.")
        )
    _refuse_nul(title=title, summary=summary, body=body)
    tag_names = _clean_tags(tags) if tags is not None else None
    role_inputs = _clean_roles(roles) if roles is not None else None
    with transaction.atomic():
        locked = _lock(proposal)
        if title is not None:
            locked.title = title.strip()
        if summary is not None:
            locked.summary = summary.strip()
        if body is not None:
            locked.body = body
            locked.render()
        if is_public is not None:
            locked.is_public = bool(is_public)
        locked.full_clean(exclude=["proposer", "status", "tags"])
        locked.last_activity_at = timezone.now()
        locked.save()
        if tag_names is not None:
            _set_tags(locked, tag_names)
        if role_inputs is not None:
            _set_roles(locked, role_inputs)
        notify.proposal_changed(proposal=locked)
    return locked


def proposal_transition(
    *, proposal: Proposal, to: str, by, note: str = "", seen_status: str | None = None
) -> Proposal:
    """The only door through the lifecycle: lock, check permission and guard, apply, log.

    `seen_status` is the stage the person was looking at (a page or board may be older than
    `proposal`; by default it is `proposal.status`). If the stored stage differs, someone else
    moved it first and the caller gets a conflict instead of an unexpected second move.
    """
    seen = seen_status if seen_status in Status.values else proposal.status
    note = (note or "").strip()
    _refuse_nul(note=note)
    if to not in Status.values:
        raise ValidationError({"to": _("“%(to)s” is not a stage.") % {"to": to}})
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("The note can be at most %(n)d characters.") % {"n": NOTE_MAX}}
        )
    with transaction.atomic():
        locked = _lock(proposal)
        if not any(spec.permits(by, locked) for spec in TRANSITIONS):
            raise ActionNotPermitted(_("Only the proposer or a moderator can move this proposal."))
        # The stages this person could move it to from here, blocked ones included (the answer
        # says what blocks them).
        allowed = [spec.target for spec in targets_from(locked.status) if spec.permits(by, locked)]
        if locked.status != seen:
            raise ActionConflict(
                _(
                    "Someone else just moved this proposal to “%(status)s”. Have a look and try again."
                )
                % {"status": Status(locked.status).label},
                allowed=allowed,
            )
        spec = spec_for(locked.status, to)
        if spec is not None and not spec.permits(by, locked):
            raise ActionNotPermitted(_("Only the proposer or a moderator can move this proposal."))
        if spec is None:
            raise ActionConflict(
                _("A proposal can't go from “%(source)s” to “%(target)s”.")
                % {"source": Status(locked.status).label, "target": Status(to).label},
                allowed=allowed,
            )
        if spec.note_required and not note:
            raise ValidationError(
                {"note": _("Please add a few words: %(what)s") % {"what": spec.note_label}}
            )
        blocked = spec.blocked(locked)
        if blocked:
            raise ActionConflict(blocked.reason, allowed=allowed)
        source = locked.status
        getattr(locked, spec.name)(note=note)
        now = timezone.now()
        locked.status_changed_at = now
        locked.last_activity_at = now
        locked.save()
        TransitionLog.objects.create(
            proposal=locked,
            actor=by,
            name=spec.name,
            from_status=source,
            to_status=locked.status,
            note=note,
            created_at=now,
        )
        notify.proposal_transitioned(
            proposal=locked, by=by, source=source, target=locked.status, note=note
        )
    return locked


def proposal_still_going(*, proposal: Proposal, by) -> Proposal:
    """The proposer's answer to a gentle nudge: still going. The quiet period starts again."""
    if not permissions.can_steer(by, proposal):
        raise ActionNotPermitted(
            _("Only the proposer or a moderator can answer for this proposal.")
        )
    with transaction.atomic():
        locked = _lock(proposal)
        _touch(locked)
    return locked


def _touch(proposal: Proposal, **counts) -> None:
    """Activity: the board's "recently active" order moves, and `updated_at` with it (a queryset
    update skips auto_now), so the board's fingerprint sees the change."""
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(last_activity_at=now, updated_at=now, **counts)


def _count(rows) -> Subquery:
    """The number of `rows`, counted afresh inside the UPDATE that stores it (one statement where
    a COUNT and then an UPDATE were two), so a count never drifts from the rows it counts."""
    counted = Func("pk", function="COUNT", output_field=IntegerField())
    return Subquery(rows.order_by().values(n=counted))


def _recount_members(proposal: Proposal) -> int:
    count = proposal.memberships.filter(status=MembershipStatus.ACCEPTED).count()
    _touch(proposal, member_count=count)
    proposal.member_count = count
    return count


def _validate_lengths(**fields: tuple[str, int]) -> None:
    errors = {
        name: _("At most %(n)d characters, please.") % {"n": limit}
        for name, (value, limit) in fields.items()
        if len(value) > limit
    }
    if errors:
        raise ValidationError(errors)


def _clean_until(until: date | None) -> date | None:
    return commitments.check_until(until, today=timezone.localdate())


def _set_until(membership: Membership, until: date | None) -> None:
    """A (new) end for the time offered: asked about in its turn."""
    membership.until = until
    membership.until_asked_on = None
    membership.until_reminded_on = None


def membership_request(
    *,
    proposal: Proposal,
    user,
    role: str,
    availability: str = "",
    message: str = "",
    until: date | None = None,
) -> Membership:
    """'I'd like to join': a request with a role, availability, a message and, if the member
    likes, the day their time ends (proposals.commitments)."""
    _refuse_nul(role=role, availability=availability, message=message)
    until = _clean_until(until)
    role = " ".join((role or "").split())
    if not role:
        raise ValidationError({"role": _("Which role would you like to take?")})
    if role == PROPOSER_ROLE:
        raise ValidationError({"role": _("“proposer” is taken by the proposer.")})
    _validate_lengths(
        role=(role, 60), availability=(availability, 200), message=(message, NOTE_MAX)
    )
    with transaction.atomic():
        locked = _lock(proposal)
        if permissions.is_owner(user, locked):
            raise ActionConflict(_("You are the proposer: you are already on the team."))
        if not permissions.can_request_to_join(user, locked):
            raise ActionConflict(_("This proposal is not taking new members right now."))
        membership = Membership.objects.filter(proposal=locked, user=user).first()
        if membership and membership.status == MembershipStatus.ACCEPTED:
            raise ActionConflict(_("You are already on this team."))
        if membership and membership.status == MembershipStatus.REQUESTED:
            raise ActionConflict(_("You have already asked to join; the proposer will answer."))
        membership = membership or Membership(proposal=locked, user=user)
        membership.role = role
        membership.availability = availability.strip()
        membership.message = message.strip()
        membership.status = MembershipStatus.REQUESTED
        membership.response = ""
        membership.decided_by = None
        membership.decided_at = None
        _set_until(membership, until)
        membership.created_at = timezone.now()
        membership.save()
        Follow.objects.get_or_create(proposal=locked, user=user)
        _touch(locked)
        notify.join_requested(membership=membership)
    return membership


def _decide(membership: Membership, by, status: str, response: str) -> Membership:
    _refuse_nul(response=response)
    _validate_lengths(response=(response, NOTE_MAX))
    with transaction.atomic():
        proposal = _lock(membership.proposal)
        if not permissions.can_steer(by, proposal):
            raise ActionNotPermitted(
                _("Only the proposer or a moderator can answer join requests.")
            )
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != MembershipStatus.REQUESTED:
            raise ActionConflict(_("This request has already been answered or withdrawn."))
        locked.status = status
        locked.response = response.strip()
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save()
        _recount_members(proposal)
        notify.join_answered(membership=locked, by=by)
    return locked


def membership_accept(*, membership: Membership, by, response: str = "") -> Membership:
    return _decide(
        membership,
        by,
        MembershipStatus.ACCEPTED,
        response or _("Welcome to the team! Let's do this together at a pace that suits you."),
    )


def membership_decline(*, membership: Membership, by, response: str = "") -> Membership:
    return _decide(
        membership,
        by,
        MembershipStatus.DECLINED,
        response
        or _(
            "Thank you so much for offering. It doesn't fit this time, "
            "but we'd love to try something together another time."
        ),
    )


def membership_leave(*, proposal: Proposal, user) -> Membership:
    """Leave a team (or withdraw a request). Stepping back is normal here."""
    with transaction.atomic():
        locked = _lock(proposal)
        membership = (
            Membership.objects.select_for_update().filter(proposal=locked, user=user).first()
        )
        if membership is None or membership.status not in (
            MembershipStatus.ACCEPTED,
            MembershipStatus.REQUESTED,
        ):
            raise ActionConflict(_("You are not on this team."))
        if membership.is_proposer:
            raise ActionConflict(
                _("As the proposer you stay on the team; you can pause (archive) the proposal.")
            )
        was_member = membership.status == MembershipStatus.ACCEPTED
        membership.status = MembershipStatus.LEFT if was_member else MembershipStatus.WITHDRAWN
        membership.save(update_fields=["status", "updated_at"])
        if was_member:
            _recount_members(locked)
            notify.member_left(membership=membership)
    return membership


def _recount_comments(proposal: Proposal) -> None:
    _touch(
        proposal,
        comment_count=_count(Comment.objects.filter(proposal_id=proposal.pk, is_hidden=False)),
    )


def _clean_comment_body(body: str) -> str:
    _refuse_nul(body=body)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The comment is empty.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            {"body": _("A comment can be at most %(n)d characters.") % {"n": COMMENT_MAX}}
        )
    return body


def comment_create(
    *, proposal: Proposal, author, body: str, slack_channel: str = "", slack_ts: str = ""
) -> Comment:
    """A comment, from the page, the API or a reply in the proposal's Slack thread (`slack_channel`
    and `slack_ts` name that message: the same message again, a retried event, finds the comment
    it became, and a comment from Slack is not posted back to the thread)."""
    body = _clean_comment_body(body)
    comment = Comment(
        proposal=proposal, author=author, body=body, slack_channel=slack_channel, slack_ts=slack_ts
    )
    comment.body_html = render_markdown(body)
    with transaction.atomic():
        _lock(proposal)
        if slack_ts:
            earlier = Comment.objects.filter(slack_channel=slack_channel, slack_ts=slack_ts).first()
            if earlier is not None:
                return earlier
        comment.save()
        Follow.objects.get_or_create(proposal=proposal, user=author)
        _recount_comments(proposal)
        notify.commented(comment=comment)
    return comment


def comment_update(*, comment: Comment, by, body: str) -> Comment:
    if not permissions.can_edit_comment(by, comment):
        raise ActionNotPermitted(_("Only the author can edit this comment."))
    comment.body = _clean_comment_body(body)
    comment.body_html = render_markdown(comment.body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def comment_delete(*, comment: Comment, by) -> None:
    if not permissions.can_delete_comment(by, comment):
        raise ActionNotPermitted(_("Only the author can delete this comment."))
    with transaction.atomic():
        proposal = _lock(comment.proposal)
        comment.delete()
        _recount_comments(proposal)


def comment_set_hidden(*, comment: Comment, by, hidden: bool) -> Comment:
    if not permissions.can_hide_comment(by, comment):
        raise ActionNotPermitted(_("Only moderators can hide comments."))
    with transaction.atomic():
        proposal = _lock(comment.proposal)
        comment.is_hidden = hidden
        comment.hidden_by = by if hidden else None
        comment.save(update_fields=["is_hidden", "hidden_by"])
        _recount_comments(proposal)
    return comment


def proposal_set_slack_replies(*, proposal: Proposal, by, enabled: bool) -> Proposal:
    """Whether replies in the proposal's Slack thread become comments (on by default)."""
    if not permissions.can_switch_slack_replies(by, proposal):
        raise ActionNotPermitted(
            _("Only the proposer or a moderator can change where the discussion happens.")
        )
    with transaction.atomic():
        locked = _lock(proposal)
        if locked.slack_replies_import != enabled:
            locked.slack_replies_import = enabled
            locked.save(update_fields=["slack_replies_import", "updated_at"])
    return locked


def _check_cheer(*, proposal: Proposal, user, cheered: bool) -> None:
    if cheered and not permissions.can_cheer(user, proposal):
        raise ActionNotPermitted(_("Cheers are for other people's ideas; yours is already yours."))


def _cheer_added(*, locked: Proposal, user) -> None:
    """The member cheers (and follows); the caller holds the row lock and saw no cheer of theirs."""
    Cheer.objects.create(proposal=locked, user=user)
    Follow.objects.get_or_create(proposal=locked, user=user)
    notify.cheered(proposal=locked, user=user)
    _recount_cheers(locked)


def _cheer_removed(*, locked: Proposal) -> None:
    """What follows a cheer taken back (the caller has deleted it, under the row lock)."""
    notify.proposal_changed(proposal=locked)  # the Slack card's count goes down too
    _recount_cheers(locked)


def _recount_cheers(locked: Proposal) -> None:
    # Counts as activity, so open boards (which poll on last activity) pick the cheer up.
    _touch(locked, cheer_count=_count(Cheer.objects.filter(proposal_id=locked.pk)))


def cheer_set(*, proposal: Proposal, user, cheered: bool) -> bool:
    """Cheer (応援) or take the cheer back; cheering also follows. Setting the state it already has
    changes nothing, so a replayed click is harmless. Returns whether this call changed anything."""
    _check_cheer(proposal=proposal, user=user, cheered=cheered)
    with transaction.atomic():
        locked = _lock(proposal)
        theirs = Cheer.objects.filter(proposal=locked, user=user)
        if cheered:
            if theirs.exists():
                return False
            _cheer_added(locked=locked, user=user)
        else:
            # Taking it back is the DELETE itself: nothing deleted, nothing was there to take back.
            if not theirs.delete()[0]:
                return False
            _cheer_removed(locked=locked)
    return True


def cheer_toggle(*, proposal: Proposal, user) -> bool:
    """The web's cheer button. Returns whether it is cheered now. Under the row lock, a cheer of
    theirs is taken back by the DELETE itself; only when there was none is it a cheer (the row is
    locked and the cheer looked at once: cheer_set would do both again, in a savepoint)."""
    with transaction.atomic():
        locked = _lock(proposal)
        if Cheer.objects.filter(proposal=locked, user=user).delete()[0]:
            _cheer_removed(locked=locked)
            return False
        _check_cheer(proposal=proposal, user=user, cheered=True)
        _cheer_added(locked=locked, user=user)
    return True


def follow_set(*, proposal: Proposal, user, following: bool) -> bool:
    if following:
        Follow.objects.get_or_create(proposal=proposal, user=user)
    else:
        Follow.objects.filter(proposal=proposal, user=user).delete()
    return following


# Invitations (issue 13): a proposer or moderator asks a member to take a role; the member
# accepts (and joins with it) or says "not now", no reason needed; an unanswered one expires
# after settings.INVITATION_DAYS (14 by default).


def invitation_days() -> int:
    return settings.INVITATION_DAYS


def _invitation_payload(invitation: Invitation) -> dict:
    return {
        "invitation_id": invitation.pk,
        # The invitee is the one person an invitation is about (Audience.APPLICANT).
        "applicant_id": invitation.invitee_id,
        "applicant_name": invitation.invitee.public_name,
        "role": invitation.role,
        "message": excerpt(invitation.message),
    }


def invitation_create(
    *, proposal: Proposal, invitee, role: str, by, message: str = ""
) -> Invitation:
    """Invite a member to one of the proposal's wanted roles, with a message."""
    _refuse_nul(role=role, message=message)
    role = " ".join((role or "").split())
    message = (message or "").strip()
    if not role:
        raise ValidationError({"role": _("Which role would you like to invite them to?")})
    _validate_lengths(role=(role, 60), message=(message, NOTE_MAX))
    with transaction.atomic():
        locked = _lock(proposal)
        if not permissions.can_steer(by, locked):
            raise ActionNotPermitted(_("Only the proposer or a moderator can invite people."))
        if not permissions.is_recruiting(locked):
            raise ActionConflict(_("This proposal is not taking new members right now."))
        if not locked.roles_wanted.filter(name=role).exists():
            raise ValidationError(
                {"role": _("Please choose one of the roles this proposal looks for.")}
            )
        if (
            invitee is None
            or not invitee.is_active
            or invitee.pk == locked.proposer_id
            # Who shows their profile to their teams only is not found, so not invited, by others.
            or not can_see_profile(viewer=by, member=invitee)
        ):
            raise ActionConflict(_("This person can’t be invited to this proposal."))
        if not invitee.open_to_suggestions:
            # Their choice on the settings page: no suggestions, and no invitations out of the blue.
            raise ActionConflict(
                _(
                    "%(name)s would rather not be invited just now. They are welcome to ask to "
                    "join whenever it suits them."
                )
                % {"name": invitee.public_name}
            )
        membership = Membership.objects.filter(proposal=locked, user=invitee).first()
        if membership and membership.status == MembershipStatus.ACCEPTED:
            raise ActionConflict(
                _("%(name)s is already on the team.") % {"name": invitee.public_name}
            )
        if membership and membership.status == MembershipStatus.REQUESTED:
            raise ActionConflict(
                _("%(name)s has already asked to join: you can answer their request.")
                % {"name": invitee.public_name}
            )
        earlier = set(
            Invitation.objects.filter(proposal=locked, invitee=invitee).values_list(
                "status", flat=True
            )
        )
        if InvitationStatus.OPEN in earlier:
            raise ActionConflict(
                _("%(name)s already has an invitation to it.") % {"name": invitee.public_name}
            )
        if InvitationStatus.DECLINED in earlier:
            raise ActionConflict(
                _(
                    "%(name)s said “not now” to this one. They are welcome to join whenever it "
                    "suits them."
                )
                % {"name": invitee.public_name}
            )
        now = timezone.now()
        invitation = Invitation(
            proposal=locked,
            invitee=invitee,
            role=role,
            message=message,
            invited_by=by,
            created_at=now,
            expires_at=now + timedelta(days=invitation_days()),
        )
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:
            raise ActionConflict(
                _("%(name)s already has an invitation to it.") % {"name": invitee.public_name}
            ) from None
        # Addressed to the invitee by name (a kind's audience never includes whom it is about);
        # the notification links to the invitation's page.
        notify.record_event_for(
            kind=InvitationEventKind.INVITED,
            recipient_ids={invitee.pk},
            actor=by,
            proposal=locked,
            payload=_invitation_payload(invitation),
        )
    return invitation


def _lock_open_invitation(invitation: Invitation, by) -> tuple[Proposal, Invitation]:
    proposal = _lock(invitation.proposal)
    locked = Invitation.objects.select_for_update().select_related("invitee").get(pk=invitation.pk)
    if locked.invitee_id != getattr(by, "pk", None):
        raise ActionNotPermitted(_("This invitation is for someone else."))
    if locked.status != InvitationStatus.OPEN:
        raise ActionConflict(_("This invitation has already been answered."))
    if locked.expires_at <= timezone.now():
        raise ActionConflict(
            _("This invitation has ended. You are still welcome to ask to join, at your own pace.")
        )
    return proposal, locked


def invitation_accept(*, invitation: Invitation, by, until: date | None = None) -> Membership:
    """Join with the invitation's role, as an accepted member (it counts for the launch guard),
    for as long as the member offers (`until`, None: no end). The proposal's row is locked first,
    so two accepts at once make one membership. Like an accepted request, it may fill a role past
    the places it wanted (the proposer chose whom to ask; the card then shows 2/1)."""
    until = _clean_until(until)
    with transaction.atomic():
        proposal, locked = _lock_open_invitation(invitation, by)
        if not permissions.is_recruiting(proposal):
            raise ActionConflict(_("This proposal is not taking new members right now."))
        membership = (
            Membership.objects.select_for_update().filter(proposal=proposal, user=by).first()
        )
        if membership and membership.status == MembershipStatus.ACCEPTED:
            raise ActionConflict(_("You are already on this team."))
        now = timezone.now()
        membership = membership or Membership(proposal=proposal, user=by)
        membership.role = locked.role
        membership.availability = (by.availability or "")[:200]
        membership.message = ""
        membership.status = MembershipStatus.ACCEPTED
        membership.response = ""
        membership.decided_by = locked.invited_by
        membership.decided_at = now
        _set_until(membership, until)
        if membership.pk is None:
            membership.created_at = now
        membership.save()
        locked.status = InvitationStatus.ACCEPTED
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_at"])
        Follow.objects.get_or_create(proposal=proposal, user=by)
        _recount_members(proposal)
        notify.join_answered(membership=membership, by=by)
    return membership


def invitation_decline(*, invitation: Invitation, by) -> Invitation:
    """ "Not now": no reason asked. The proposer is told kindly; nobody suggests it to them again."""
    with transaction.atomic():
        proposal, locked = _lock_open_invitation(invitation, by)
        locked.status = InvitationStatus.DECLINED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        notify.record_event(
            kind=InvitationEventKind.DECLINED,
            proposal=proposal,
            actor=by,
            payload=_invitation_payload(locked),
        )
    return locked


INVITATIONS_EXPIRED_AT_ONCE = 500


def invitations_expire(*, now=None) -> int:
    """Close the open invitations whose time is up and tell whoever asked (beat runs this; a
    second run finds nothing left to do). Returns how many ended."""
    now = now or timezone.now()
    ended = 0
    with transaction.atomic():
        due = list(
            # Only the invitations' own rows: their proposals and people stay free for others' writes.
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=InvitationStatus.OPEN, expires_at__lte=now)
            .select_related("proposal", "invitee")
            .order_by("expires_at", "pk")[:INVITATIONS_EXPIRED_AT_ONCE]
        )
        for invitation in due:
            invitation.status = InvitationStatus.EXPIRED
            invitation.decided_at = now
            invitation.save(update_fields=["status", "decided_at"])
            notify.record_event(
                kind=InvitationEventKind.EXPIRED,
                proposal=invitation.proposal,
                actor=None,
                payload=_invitation_payload(invitation),
                dedupe_key=f"invitation-expired:{invitation.pk}",
            )
            ended += 1
    return ended


# Commitments with an end (issue 13, proposals.commitments): a week before the day a member's
# time ends they are asked, once, to continue or to finish with thanks; unanswered, reminded once
# on the day; never more, and nobody is taken off a team for not answering.


def _commitment_payload(membership: Membership) -> dict:
    return {
        "membership_id": membership.pk,
        "applicant_id": membership.user_id,
        "applicant_name": membership.user.public_name,
        "role": membership.role,
        "until": membership.until.isoformat() if membership.until else "",
    }


def _lock_own_commitment(membership: Membership, by) -> tuple[Proposal, Membership]:
    proposal = _lock(membership.proposal)
    locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if locked.user_id != getattr(by, "pk", None):
        raise ActionNotPermitted(_("This question is for someone else."))
    if locked.status == MembershipStatus.FINISHED:
        raise ActionConflict(_("You have already finished your time here. Thank you for it!"))
    if locked.status != MembershipStatus.ACCEPTED or locked.is_proposer:
        raise ActionConflict(_("You are not on this team."))
    return proposal, locked


def commitment_continue(
    *, membership: Membership, by, until: date | None, seen_until: date | None
) -> Membership:
    """Continue: the time offered now ends on `until` (None: no end). `seen_until` is the end
    the member was answering about: if it has moved since (answered from another page, or a
    button pressed twice), nothing changes and they are told so.

    The new day is asked about in its turn; a day within the coming week counts as answered
    already (they have just chosen it), so no question or reminder follows for it."""
    until = _clean_until(until)
    with transaction.atomic():
        _proposal, locked = _lock_own_commitment(membership, by)
        if locked.until != seen_until:
            raise ActionConflict(_("You have already answered this one. Thank you!"))
        _set_until(locked, until)
        today = timezone.localdate()
        if until is not None and commitments.in_question_window(until, today):
            locked.until_asked_on = locked.until_reminded_on = today
        locked.save(update_fields=["until", "until_asked_on", "until_reminded_on", "updated_at"])
    return locked


_NOT_SEEN = object()


def commitment_finish(*, membership: Membership, by, seen_until=_NOT_SEEN) -> Membership:
    """Finish with thanks: off the team (the places it filled open again), shown among the people
    who helped, and the proposer is told kindly. `seen_until`, when given, is the end the member
    was answering about (a Slack question's): if it has moved since (they chose a new day
    elsewhere), nothing changes and they are told so."""
    with transaction.atomic():
        proposal, locked = _lock_own_commitment(membership, by)
        if seen_until is not _NOT_SEEN and locked.until != seen_until:
            raise ActionConflict(
                _("Your time on this team has changed since this question; see its page.")
            )
        locked.status = MembershipStatus.FINISHED
        locked.save(update_fields=["status", "updated_at"])
        _recount_members(proposal)
        notify.record_event(
            kind=CommitmentEventKind.FINISHED,
            proposal=proposal,
            actor=by,
            payload=_commitment_payload(locked),
        )
    return locked


COMMITMENTS_ASKED_AT_ONCE = 500


def commitments_ask(*, today: date | None = None) -> int:
    """Beat, daily: the question a week before a member's time ends, and its one reminder on the
    day (or on the first run after, when beat was down). Each is claimed on the membership's row
    by a conditional update, so a second run, or two at once, sends nothing twice. Returns how many
    were sent."""
    today = today or timezone.localdate()
    ask_from = today + timedelta(days=commitments.ASK_DAYS_BEFORE)
    due = list(
        Membership.objects.filter(status=MembershipStatus.ACCEPTED, until__isnull=False)
        .filter(
            Q(until_asked_on__isnull=True, until__lte=ask_from)
            | Q(until_asked_on__lt=today, until_reminded_on__isnull=True, until__lte=today)
        )
        .exclude(role=PROPOSER_ROLE)
        .filter(user__is_active=True)
        .select_related("proposal", "user")
        .order_by("until", "pk")[:COMMITMENTS_ASKED_AT_ONCE]
    )
    sent = 0
    for membership in due:
        reminder = membership.until_asked_on is not None
        claim = Membership.objects.filter(
            pk=membership.pk, status=MembershipStatus.ACCEPTED, until=membership.until
        )
        with transaction.atomic():
            if reminder:
                claimed = claim.filter(until_reminded_on__isnull=True).update(
                    until_reminded_on=today
                )
            else:
                claimed = claim.filter(until_asked_on__isnull=True).update(until_asked_on=today)
            if not claimed:
                continue  # answered meanwhile, or another run was first
            notify.record_event_for(
                kind=CommitmentEventKind.ENDING,
                recipient_ids={membership.user_id},
                proposal=membership.proposal,
                payload=_commitment_payload(membership) | {"reminder": reminder},
            )
        sent += 1
    return sent
