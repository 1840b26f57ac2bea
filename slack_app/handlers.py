"""One function per slash command, button and modal submission, each handing over to the services.

Handlers know nothing of HTTP: they take the already verified and parsed request (slack_app.inbound)
and return an Answer saying what the person should see. Replays are harmless because every action is
idempotent in the domain: a command's key (derived from the signed request) is the proposal's
submission key, a cheer from Slack only ever cheers, and a second join request or decision is refused
as a conflict.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from introductions import services as introduction_services
from introductions.errors import IntroductionError
from meetups import services as meetup_services
from meetups.choices import RsvpStatus
from meetups.errors import MeetupError
from meetups.models import Meetup
from members import selectors as member_selectors
from members import services as member_services
from members.models import User
from proposals import commitments, selectors, services
from proposals.choices import Status
from proposals.errors import ActionNotPermitted, ProposalError
from proposals.models import Invitation, InvitationStatus, Membership, Proposal
from proposals.wording import split_names

from . import blocks, home, home_blocks, shortcut_blocks, shortcuts, threads, unfurls
from .events import SlackEvent
from .interactions import Answer, MessageAction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    slack_user_id: str
    team_id: str
    text: str
    trigger_id: str
    # Derived from the signed request: the same request replayed carries the same key.
    key: str


@dataclass(frozen=True)
class ButtonPress:
    slack_user_id: str
    team_id: str
    action_id: str
    value: str
    trigger_id: str


@dataclass(frozen=True)
class ViewSubmission:
    slack_user_id: str
    team_id: str
    callback_id: str
    view_id: str
    private_metadata: str
    values: dict[str, str]

    def value(self, block_id: str) -> str:
        return self.values.get(block_id, "").strip()


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _link_url(*, team_id: str, slack_user_id: str) -> str:
    token = member_services.slack_link_token(team_id=team_id, slack_user_id=slack_user_id)
    return _absolute(reverse("members:slack_connect", args=[token]))


def _language(member: User | None) -> str:
    return (member.preferred_language if member else "") or settings.LANGUAGE_CODE


def _connect_prompt(*, team_id: str, slack_user_id: str) -> Answer:
    """Someone whose Slack account is not linked: a link that only they receive links it."""
    url = _link_url(team_id=team_id, slack_user_id=slack_user_id)
    return Answer(text=blocks.connect_prompt(url=url))


def _as_member(*, slack_user_id: str, team_id: str, act: Callable[[User], Answer]) -> Answer:
    """Act as the member linked to this Slack user, in their language; else ask them to connect."""
    member = member_selectors.member_for_slack(slack_user_id=slack_user_id)
    with translation.override(_language(member)):
        if member is None:
            return _connect_prompt(team_id=team_id, slack_user_id=slack_user_id)
        return act(member)


def _over_rate_limit(slack_user_id: str) -> bool:
    """At most SLACK_COMMAND_RATE_PER_MINUTE commands a minute per Slack user. With the cache
    down the command is let through: a rate limit is no reason to lose someone's idea."""
    key = f"slack-command:{slack_user_id}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=120)
            count = 1
    except Exception:  # the cache backend's own errors (redis, file system) differ
        logger.warning("Cache unavailable; the Slack command rate limit is not applied.")
        return False
    return count > settings.SLACK_COMMAND_RATE_PER_MINUTE


def _error_text(error: ValidationError | ProposalError) -> str:
    if isinstance(error, ProposalError):
        return error.message
    if hasattr(error, "error_dict"):
        return " ".join(message for messages in error.message_dict.values() for message in messages)
    return " ".join(error.messages)


def _split_idea(text: str) -> tuple[str, str]:
    """`title | one-line summary`; a single line is both (an idea can be one line)."""
    title, _sep, summary = text.partition("|")
    title, summary = title.strip(), summary.strip()
    return title, summary or title


def _open_roles(proposal: Proposal) -> tuple[blocks.OpenRole, ...]:
    return tuple(
        blocks.OpenRole(name=role.name, open=role.open) for role in selectors.open_roles(proposal)
    )


# --- the slash command ---------------------------------------------------------------------------


def command_help(member: User, command: Command) -> Answer:
    return Answer(text=blocks.help_text(command=settings.SLACK_COMMAND))


def command_list(member: User, command: Command) -> Answer:
    looking = selectors.filter_proposals(selectors.proposal_list(), looking=True)
    listings = [
        blocks.Listing(
            title=proposal.title,
            url=_absolute(proposal.get_absolute_url()),
            open_roles=_open_roles(proposal),
        )
        for proposal in looking[: blocks.LISTING_MAX]
    ]
    return Answer(text=blocks.looking_for_people(listings))


def command_link(command: Command) -> Answer:
    """`/… link`: a signed link, sent to this Slack user alone, that links their account."""
    member = member_selectors.member_for_slack(slack_user_id=command.slack_user_id)
    with translation.override(_language(member)):
        url = _link_url(team_id=command.team_id, slack_user_id=command.slack_user_id)
        return Answer(text=blocks.link_prompt(url=url))


def command_form(member: User, command: Command) -> Answer:
    """The command alone opens the idea form (a modal needs the request's trigger id)."""
    if not command.trigger_id:
        return command_help(member, command)
    return Answer(view=blocks.idea_modal())


def command_idea(member: User, command: Command) -> Answer:
    title, summary = _split_idea(command.text)
    try:
        proposal = services.proposal_submit(
            proposer=member, title=title, summary=summary, submission_key=command.key
        )
    except ValidationError as error:
        return Answer(text=blocks.idea_refused(_error_text(error)))
    return Answer(
        text=blocks.idea_posted(title=proposal.title, url=_absolute(proposal.get_absolute_url()))
    )


SUBCOMMANDS: dict[str, Callable[[User, Command], Answer]] = {
    "help": command_help,
    "list": command_list,
}


def command(command: Command) -> Answer:
    if command.text.lower() == "link":
        return command_link(command)

    def act(member: User) -> Answer:
        if _over_rate_limit(command.slack_user_id):
            return Answer(
                text=_("That's a lot of ideas at once! Take a breath and try again in a minute.")
            )
        subcommand = SUBCOMMANDS.get(command.text.lower())
        if subcommand is not None:
            return subcommand(member, command)
        if not command.text:
            return command_form(member, command)
        return command_idea(member, command)

    return _as_member(slack_user_id=command.slack_user_id, team_id=command.team_id, act=act)


# --- buttons -------------------------------------------------------------------------------------


def _object_id(value: str) -> int | None:
    # An id fits in 19 digits; Python refuses to read a number of thousands (a ValueError).
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def _proposal(value: str) -> Proposal | None:
    pk = _object_id(value)
    return Proposal.objects.filter(pk=pk).first() if pk else None


def _membership(value: str) -> Membership | None:
    pk = _object_id(value)
    if pk is None:
        return None
    return Membership.objects.select_related("proposal", "user").filter(pk=pk).first()


def _gone() -> Answer:
    return Answer(text=_("That proposal no longer exists."))


def proposal_open(member: User, press: ButtonPress) -> Answer:
    """A link button: Slack opens the page itself; nothing to answer."""
    return Answer()


def proposal_cheer(member: User, press: ButtonPress) -> Answer:
    """A Slack cheer only ever cheers (a replayed click must not take it back)."""
    proposal = _proposal(press.value)
    if proposal is None:
        return _gone()
    try:
        cheered = services.cheer_set(proposal=proposal, user=member, cheered=True)
    except ProposalError as error:
        return Answer(text=_error_text(error))
    return Answer(text=blocks.cheered(title=proposal.title, already=not cheered))


def proposal_join(member: User, press: ButtonPress) -> Answer:
    proposal = _proposal(press.value)
    if proposal is None:
        return _gone()
    if not press.trigger_id:
        return Answer(text=_("Please try the button again."))
    return Answer(view=blocks.join_modal(proposal_id=proposal.pk, title=proposal.title))


def _answer_join(member: User, press: ButtonPress, *, accept: bool) -> Answer:
    membership = _membership(press.value)
    if membership is None:
        return Answer(text=_("That join request no longer exists."))
    decide = services.membership_accept if accept else services.membership_decline
    try:
        decided = decide(membership=membership, by=member)
    except ProposalError as error:
        return Answer(text=blocks.refusal(error.message))
    return Answer(text=blocks.join_answered(name=decided.user.public_name, accepted=accept))


def membership_accept(member: User, press: ButtonPress) -> Answer:
    return _answer_join(member, press, accept=True)


def membership_decline(member: User, press: ButtonPress) -> Answer:
    return _answer_join(member, press, accept=False)


def nudge_still_going(member: User, press: ButtonPress) -> Answer:
    """The proposer's answer to a gentle nudge: both answers are fine."""
    proposal = _proposal(press.value)
    if proposal is None:
        return _gone()
    try:
        services.proposal_still_going(proposal=proposal, by=member)
    except (ProposalError, ValidationError) as error:
        return Answer(text=blocks.refusal(_error_text(error)))
    return Answer(text=_("Good to hear! We'll check in again after a quiet while."))


def nudge_pause(member: User, press: ButtonPress) -> Answer:
    proposal = _proposal(press.value)
    if proposal is None:
        return _gone()
    try:
        services.proposal_transition(
            proposal=proposal,
            to=Status.ARCHIVED,
            by=member,
            note=_("Paused after a quiet while. Maybe later!"),
        )
    except (ProposalError, ValidationError) as error:
        return Answer(text=blocks.refusal(_error_text(error)))
    return Answer(text=_("Paused. You can reopen it any time, whenever it suits you."))


def _meetup(value: str) -> Meetup | None:
    pk = _object_id(value)
    return Meetup.objects.filter(pk=pk).first() if pk else None


def meetup_answer(member: User, press: ButtonPress) -> Answer:
    """A meetup card's RSVP buttons: the same answer as on the meetup's page (a full meetup's
    "going" is a place on the waiting list). Said twice, it changes nothing the second time. The
    online link is given privately, and only to someone now going."""
    meetup = _meetup(press.value)
    if meetup is None:
        return Answer(text=_("That meetup no longer exists."))
    try:
        rsvp = meetup_services.meetup_answer(
            meetup=meetup,
            user=member,
            answer=blocks.MEETUP_ANSWERS[press.action_id],
            remind=None,  # a button has no say in reminders: a "maybe" keeps what they chose
        )
    except (MeetupError, ValidationError) as error:
        message = error.message if isinstance(error, MeetupError) else _error_text(error)
        return Answer(text=blocks.refusal(message))
    meetup = rsvp.meetup
    online_url = meetup.online_url if rsvp.status == RsvpStatus.GOING else ""
    return Answer(
        text=blocks.meetup_answered(
            title=meetup.title,
            url=_absolute(meetup.get_absolute_url()),
            status=rsvp.status,
            online_url=online_url,
        )
    )


def _invitation(value: str) -> Invitation | None:
    pk = _object_id(value)
    if pk is None:
        return None
    return Invitation.objects.select_related("proposal", "invited_by").filter(pk=pk).first()


def _invitation_is_open(invitation: Invitation) -> bool:
    return invitation.status == InvitationStatus.OPEN and invitation.expires_at > timezone.now()


def invitation_message(invitation: Invitation) -> blocks.Message:
    """The invitation's direct message as it should read now: the buttons while it is open, else
    what became of it (answered here or on the web, or ended)."""
    if _invitation_is_open(invitation):
        answer = blocks.InvitationAnswer.OPEN
    elif invitation.status == InvitationStatus.ACCEPTED:
        answer = blocks.InvitationAnswer.ACCEPTED
    elif invitation.status == InvitationStatus.DECLINED:
        answer = blocks.InvitationAnswer.DECLINED
    else:
        answer = blocks.InvitationAnswer.ENDED
    return blocks.invitation_dm(
        blocks.InvitationDm(
            invitation_id=invitation.pk,
            inviter=invitation.invited_by.public_name if invitation.invited_by else "",
            title=invitation.proposal.title,
            role=invitation.role,
            message=invitation.message,
            url=_absolute(reverse("proposals:invitation", args=[invitation.pk])),
            answer=answer,
            expires_at=invitation.expires_at,
        )
    )


def _answer_invitation(member: User, press: ButtonPress, *, accept: bool) -> Answer:
    """An invitation's Accept / Not now from its direct message: the same services as the web
    page. Once answered (or when it was answered or ended before), the message shows the answer
    instead of its buttons; a refusal is said privately."""
    invitation = _invitation(press.value)
    if invitation is None:
        return Answer(text=_("That invitation no longer exists."))
    answer = services.invitation_accept if accept else services.invitation_decline
    try:
        answer(invitation=invitation, by=member)
    except ActionNotPermitted as error:
        # Someone else's invitation: their message stays as it is.
        return Answer(text=blocks.refusal(error.message))
    except ProposalError as error:
        invitation.refresh_from_db()
        if _invitation_is_open(invitation):
            return Answer(text=blocks.refusal(error.message))
        return Answer(text=blocks.refusal(error.message), replace=invitation_message(invitation))
    invitation.refresh_from_db()
    return Answer(replace=invitation_message(invitation))


def invitation_accept(member: User, press: ButtonPress) -> Answer:
    return _answer_invitation(member, press, accept=True)


def invitation_decline(member: User, press: ButtonPress) -> Answer:
    return _answer_invitation(member, press, accept=False)


def _commitment_press(value: str) -> tuple[Membership | None, date | None]:
    """A commitment button's value, "membership id[:the end it answers about]"; the end is None
    when the button gave none (or not a day)."""
    pk_text, _sep, seen_text = value.partition(":")
    membership = _membership(pk_text)
    try:
        seen = date.fromisoformat(seen_text) if seen_text else None
    except ValueError:
        seen = None
    return membership, seen


def _commitment_gone() -> Answer:
    return Answer(text=_("That place on a team no longer exists."))


def _commitment_answered(membership: Membership, seen: date | None, outcome: str) -> Answer:
    """The question's direct message as it reads once answered: what was asked, and the answer
    instead of its buttons."""
    payload = {
        "membership_id": membership.pk,
        "title": membership.proposal.title,
        "until": seen.isoformat() if seen else "",
    }
    page = _absolute(reverse("proposals:commitment", args=[membership.pk]))
    return Answer(
        replace=blocks.commitment_question(payload=payload, page_url=page, outcome=outcome)
    )


def commitment_continue(member: User, press: ButtonPress) -> Answer:
    """ "N more months", counted from the end asked about (today, once it has passed). The button
    names the end it answers about, so a second press, or one after answering on the web,
    changes nothing and says so."""
    membership, seen = _commitment_press(press.value)
    if membership is None:
        return _commitment_gone()
    if seen is None:
        return Answer(text=_("Please try again from the question's page."))
    months = blocks.COMMITMENT_CONTINUE[press.action_id]
    until = commitments.months_after(commitments.continue_from(seen, timezone.localdate()), months)
    try:
        continued = services.commitment_continue(
            membership=membership, by=member, until=until, seen_until=seen
        )
    except (ProposalError, ValidationError) as error:
        return Answer(text=blocks.refusal(_error_text(error)))
    proposal = membership.proposal
    outcome = blocks.commitment_continued(
        title=proposal.title,
        url=_absolute(proposal.get_absolute_url()),
        until=formats.date_format(continued.until, "DATE_FORMAT"),
    )
    return _commitment_answered(membership, seen, outcome)


def commitment_finish(member: User, press: ButtonPress) -> Answer:
    """Finish with thanks, as on the question's page. The button names the end it answers about:
    pressed after choosing a new day elsewhere, it changes nothing and says so."""
    membership, seen = _commitment_press(press.value)
    if membership is None:
        return _commitment_gone()
    try:
        if ":" in press.value:
            services.commitment_finish(membership=membership, by=member, seen_until=seen)
        else:  # a question sent before its button named the end
            services.commitment_finish(membership=membership, by=member)
    except (ProposalError, ValidationError) as error:
        return Answer(text=blocks.refusal(_error_text(error)))
    proposal = membership.proposal
    outcome = blocks.commitment_finished(
        title=proposal.title, url=_absolute(proposal.get_absolute_url())
    )
    return _commitment_answered(membership, membership.until, outcome)


def introduction_answer(member: User, press: ButtonPress) -> Answer:
    """ "Did you get to talk?" in an introduction's group DM: each person answers for themselves
    (pressed again, the latest answer counts)."""
    try:
        introduction_services.introduction_answer(
            introduction_id=_object_id(press.value),
            member=member,
            answer=blocks.INTRODUCTION_ANSWERS[press.action_id],
        )
    except IntroductionError as error:
        return Answer(text=blocks.refusal(error.message))
    return Answer(text=blocks.introduction_answered(blocks.INTRODUCTION_ANSWERS[press.action_id]))


def home_share_idea(member: User, press: ButtonPress) -> Answer:
    """The App Home's "Share an idea": the same idea form as the slash command."""
    if not press.trigger_id:
        return Answer(text=_("Please try the button again."))
    return Answer(view=blocks.idea_modal())


def _home_pause(member: User, press: ButtonPress, *, pause: bool) -> Answer:
    """The App Home's "Pause notifications for a week" (and "Resume"); the Home then shows it."""
    if pause:
        member_services.notifications_pause(user=member)
    else:
        member_services.notifications_resume(user=member)
    return Answer()


def home_pause_notifications(member: User, press: ButtonPress) -> Answer:
    return _home_pause(member, press, pause=True)


def home_resume_notifications(member: User, press: ButtonPress) -> Answer:
    return _home_pause(member, press, pause=False)


BUTTONS: dict[str, Callable[[User, ButtonPress], Answer]] = {
    "proposal_open": proposal_open,
    "proposal_cheer": proposal_cheer,
    "proposal_join": proposal_join,
    "membership_accept": membership_accept,
    "membership_decline": membership_decline,
    "nudge_still_going": nudge_still_going,
    "nudge_pause": nudge_pause,
    **{action_id: meetup_answer for action_id in blocks.MEETUP_ANSWERS},
    blocks.INVITATION_ACCEPT: invitation_accept,
    blocks.INVITATION_DECLINE: invitation_decline,
    **dict.fromkeys(blocks.COMMITMENT_CONTINUE, commitment_continue),
    blocks.COMMITMENT_FINISH: commitment_finish,
    blocks.COMMITMENT_OPEN: proposal_open,  # a link button: Slack opens the page itself
    **{action_id: introduction_answer for action_id in blocks.INTRODUCTION_ANSWERS},
    home_blocks.SHARE_IDEA: home_share_idea,
    home_blocks.PAUSE_NOTIFICATIONS: home_pause_notifications,
    home_blocks.RESUME_NOTIFICATIONS: home_resume_notifications,
    home_blocks.OPEN_SETTINGS: proposal_open,  # a link button: Slack opens the page itself
    shortcut_blocks.PROMPT_OPEN: shortcuts.prompt_open,
    shortcut_blocks.PROMPT_DISMISS: shortcuts.prompt_dismiss,
    shortcut_blocks.AUTHOR_CONFIRM: shortcuts.author_confirm,
    shortcut_blocks.AUTHOR_DECLINE: shortcuts.author_decline,
}


def button(press: ButtonPress) -> Answer:
    def act(member: User) -> Answer:
        handler = BUTTONS.get(press.action_id)
        if handler is None:
            return Answer(text=_("Sorry, I don't know that button."))
        return handler(member, press)

    return _as_member(slack_user_id=press.slack_user_id, team_id=press.team_id, act=act)


# --- modal submissions ---------------------------------------------------------------------------


# The services name fields by the model's words; the idea modal's blocks by its own.
MODAL_BLOCKS = {"tags": "themes", "name": "roles", "count": "roles", "pace": "roles"}


def _field_errors(
    error: ValidationError | ProposalError, default_block: str, blocks: tuple[str, ...] = ()
) -> dict[str, str]:
    """Slack shows errors only under a block the modal has: each error goes to its block, and
    one for a field the modal does not show goes to `default_block`."""
    if not (isinstance(error, ValidationError) and hasattr(error, "error_dict")):
        return {default_block: _error_text(error)}
    found: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        block = MODAL_BLOCKS.get(name, name)
        found.setdefault(block if block in blocks else default_block, []).extend(messages)
    return {block: " ".join(messages) for block, messages in found.items()}


IDEA_BLOCKS = ("title", "summary", "themes", "roles")
JOIN_BLOCKS = ("role", "availability", "message", "until")


def idea_submit(member: User, submission: ViewSubmission) -> Answer:
    roles = [
        services.RoleInput(name=line.strip())
        for line in submission.value("roles").splitlines()
        if line.strip()
    ]
    themes = split_names(submission.value("themes"))
    try:
        services.proposal_submit(
            proposer=member,
            title=submission.value("title"),
            summary=submission.value("summary"),
            tags=themes,
            roles=roles,
            submission_key=f"slack-view:{submission.view_id}" if submission.view_id else "",
        )
    except ValidationError as error:
        return Answer(errors=_field_errors(error, "title", IDEA_BLOCKS))
    return Answer()


def join_request(member: User, submission: ViewSubmission) -> Answer:
    proposal = _proposal(submission.private_metadata)
    if proposal is None:
        return Answer(errors={"role": _("That proposal is gone.")})
    until_text = submission.value("until")
    try:
        until = date.fromisoformat(until_text) if until_text else None
    except ValueError:
        return Answer(errors={"until": _("Please give a date, e.g. 2030-04-30.")})
    try:
        services.membership_request(
            proposal=proposal,
            user=member,
            role=submission.value("role"),
            availability=submission.value("availability"),
            message=submission.value("message"),
            until=until,
        )
    except (ValidationError, ProposalError) as error:
        return Answer(errors=_field_errors(error, "role", JOIN_BLOCKS))
    return Answer()


VIEWS: dict[str, Callable[[User, ViewSubmission], Answer]] = {
    "idea_submit": idea_submit,
    "join_request": join_request,
    shortcut_blocks.MODAL_CALLBACK: shortcuts.form_submit,
}


def view_submission(submission: ViewSubmission) -> Answer:
    handler = VIEWS.get(submission.callback_id)
    if handler is None:
        return Answer()
    return _as_member(
        slack_user_id=submission.slack_user_id,
        team_id=submission.team_id,
        act=lambda member: handler(member, submission),
    )


# --- message shortcuts ---------------------------------------------------------------------------


SHORTCUTS: dict[str, Callable[[User, MessageAction], Answer]] = {
    shortcut_blocks.SHORTCUT_CALLBACK: shortcuts.make_proposal,
}


def message_action(action: MessageAction) -> Answer:
    handler = SHORTCUTS.get(action.callback_id)
    if handler is None:
        return Answer(text=_("Sorry, I don't know that shortcut."))
    return _as_member(
        slack_user_id=action.slack_user_id,
        team_id=action.team_id,
        act=lambda member: handler(member, action),
    )


# --- events (Events API or Socket Mode; run in a worker) -----------------------------------------


# One handler per inner event type; an event of a type not listed here is ignored.
EVENT_HANDLERS: dict[str, Callable[[SlackEvent], None]] = {
    "app_home_opened": home.app_home_opened,
    "message": threads.message,  # replies in a proposal's thread become comments
    "link_shared": unfurls.link_shared,  # links to proposal pages show a card
    "reaction_added": shortcuts.reaction_added,
}


def event(slack_event: SlackEvent) -> None:
    handler = EVENT_HANDLERS.get(slack_event.type)
    if handler is not None:
        handler(slack_event)
