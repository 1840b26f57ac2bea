"""Slack → incubator: verified slash commands and interactivity, delegating to proposals.services.

Every request is verified (signature v0 over the raw body, 5-minute window) before anything is parsed.
Answers are ephemeral and immediate; anything that calls Slack back (opening a modal, replying through
a response_url) is a Celery task enqueued after commit. Replays are harmless because every action is
idempotent in the domain: a command's trigger id is the proposal's submission key, a cheer from Slack
only ever cheers, and a second join request or decision is refused as a conflict.
"""

import hashlib
import hmac
import json
import logging
import random
import time
from collections.abc import Callable
from functools import wraps

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from members.models import User
from proposals import selectors, services
from proposals.choices import Status
from proposals.errors import ProposalError
from proposals.models import Membership, Proposal

from .channels import slack
from .channels.slack import SlackError, SlackPermanent, SlackRateLimited, SlackTransient

log = logging.getLogger(__name__)

SIGNATURE_WINDOW_SECONDS = 300


def signature_is_valid(*, secret: str, timestamp: str, signature: str, body: bytes) -> bool:
    """Slack's v0 request signature. Malformed input is simply invalid, never an exception."""
    if not (secret and timestamp and signature) or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def slack_verified(view: Callable) -> Callable:
    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        valid = signature_is_valid(
            secret=settings.SLACK_SIGNING_SECRET,
            timestamp=request.headers.get("X-Slack-Request-Timestamp", ""),
            signature=request.headers.get("X-Slack-Signature", ""),
            body=request.body,
        )
        if not valid:
            log.warning("Refused a Slack request with a bad or missing signature")
            return JsonResponse({"error": "invalid_signature"}, status=401)
        return view(request)

    return wrapper


def ephemeral(text: str) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "text": text})


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _escape(text: str) -> str:
    """Slack mrkdwn control characters; keeps user text from pinging or disguising links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(proposal: Proposal) -> str:
    return f"<{_absolute(proposal.get_absolute_url())}|{_escape(proposal.title)}>"


def _foreign(team_id: str, app_id: str) -> bool:
    return bool(
        (settings.SLACK_TEAM_ID and team_id != settings.SLACK_TEAM_ID)
        or (settings.SLACK_APP_ID and app_id != settings.SLACK_APP_ID)
    )


def _member_for(slack_user_id: str) -> User | None:
    if not slack_user_id:
        return None
    return User.objects.filter(slack_user_id=slack_user_id, is_active=True).first()


def _connect_message() -> str:
    return _(
        "Your Slack account isn't connected to incubator yet. Connect it here, then try again: %(url)s"
    ) % {"url": _absolute(reverse("members:settings"))}


def _over_rate_limit(slack_user_id: str) -> bool:
    window = int(time.time() // 60)
    key = f"slack-command:{slack_user_id}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > settings.SLACK_COMMAND_RATE_PER_MINUTE


def _error_text(error: ValidationError | ProposalError) -> str:
    if isinstance(error, ProposalError):
        return error.message
    if hasattr(error, "message_dict"):
        return " ".join(message for messages in error.message_dict.values() for message in messages)
    return " ".join(error.messages)


def _split_idea(text: str) -> tuple[str, str]:
    """`title | one-line summary`; a single line is both (an idea can be one line)."""
    title, _sep, summary = text.partition("|")
    title, summary = title.strip(), summary.strip()
    return title, summary or title


# --- slash command ------------------------------------------------------------------------------


@slack_verified
def slash_command(request: HttpRequest) -> HttpResponse:
    data = request.POST
    if _foreign(data.get("team_id", ""), data.get("api_app_id", "")):
        return ephemeral(_("This command only works in the community's own Slack workspace."))
    member = _member_for(data.get("user_id", ""))
    if member is None:
        return ephemeral(_connect_message())
    with translation.override(member.preferred_language or settings.LANGUAGE_CODE):
        if _over_rate_limit(data["user_id"]):
            return ephemeral(
                _("That's a lot of ideas at once! Take a breath and try again in a minute.")
            )
        return _run_command(member, data.get("text", "").strip(), data.get("trigger_id", ""))


def _run_command(member: User, text: str, trigger_id: str) -> HttpResponse:
    if text.lower() == "help":
        return ephemeral(_help_text())
    if text.lower() == "list":
        return ephemeral(_looking_for_people_text())
    if not text:
        if trigger_id:
            transaction.on_commit(lambda: slack_open_view.delay(trigger_id, idea_modal()))
        return HttpResponse(status=200)
    title, summary = _split_idea(text)
    try:
        proposal = services.proposal_submit(
            proposer=member,
            title=title,
            summary=summary,
            submission_key=f"slack:{trigger_id}" if trigger_id else "",
        )
    except ValidationError as error:
        return ephemeral(_("I couldn't post that idea: %(why)s") % {"why": _error_text(error)})
    return ephemeral(
        _(
            "Posted your idea %(link)s 🌱 It now appears on the board and in the channel. "
            "Next: when you're ready, open the discussion and say which roles you'd like help with "
            "— at your own pace."
        )
        % {"link": _link(proposal)}
    )


def _help_text() -> str:
    command = settings.SLACK_COMMAND
    return "\n".join(
        [
            _("*%(command)s* turns a “I want to try this” into a proposal.") % {"command": command},
            _("• `%(command)s title | one-line summary` posts an idea right away")
            % {"command": command},
            _("• `%(command)s` alone opens a small form") % {"command": command},
            _("• `%(command)s list` shows teams looking for people") % {"command": command},
            _("One line is enough. Details can come later, whenever suits you."),
        ]
    )


def _looking_for_people_text() -> str:
    lines = []
    for proposal in selectors.proposal_list(status=Status.TEAM_FORMING)[:10]:
        roles = [role for role in selectors.open_roles(proposal) if role.open]
        if roles:
            wanted = ", ".join(f"{_escape(role.name)} ×{role.open}" for role in roles)
            lines.append(f"• {_link(proposal)} — {wanted}")
    if not lines:
        return _("No team is looking for people right now. Maybe yours will be the first?")
    return "\n".join([_("Teams looking for people:"), *lines])


# --- modals ---------------------------------------------------------------------------------------


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:150]}


def _input(block_id: str, label: str, *, max_length: int, optional=False, multiline=False) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "max_length": max_length,
            "multiline": multiline,
        },
    }


def idea_modal() -> dict:
    return {
        "type": "modal",
        "callback_id": "idea_submit",
        "title": _plain(_("Post an idea")),
        "submit": _plain(_("Post")),
        "close": _plain(_("Cancel")),
        "blocks": [
            _input("title", _("Title"), max_length=120),
            _input("summary", _("One-line summary"), max_length=280),
            _input("themes", _("Themes (comma-separated)"), max_length=400, optional=True),
            _input(
                "roles",
                _("Roles wanted (one per line)"),
                max_length=600,
                optional=True,
                multiline=True,
            ),
        ],
    }


def join_modal(proposal: Proposal) -> dict:
    return {
        "type": "modal",
        "callback_id": "join_request",
        "private_metadata": str(proposal.pk),
        "title": _plain(_("I'd like to join")),
        "submit": _plain(_("Send")),
        "close": _plain(_("Cancel")),
        "blocks": [
            _input("role", _("Role you'd like to take"), max_length=60),
            _input(
                "availability",
                _("Your pace (e.g. weekends, 2 h a week)"),
                max_length=200,
                optional=True,
            ),
            _input("message", _("A message"), max_length=2000, optional=True, multiline=True),
        ],
    }


def _modal_value(view: dict, block_id: str) -> str:
    value = view.get("state", {}).get("values", {}).get(block_id, {}).get("value", {})
    return (value.get("value") or "").strip() if isinstance(value, dict) else ""


def _modal_errors(error: ValidationError | ProposalError, default_block: str) -> JsonResponse:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        errors = {field: " ".join(msgs) for field, msgs in error.message_dict.items()}
    else:
        errors = {default_block: _error_text(error)}
    return JsonResponse({"response_action": "errors", "errors": errors})


# --- interactivity --------------------------------------------------------------------------------


@slack_verified
def interaction(request: HttpRequest) -> HttpResponse:
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except ValueError:
        return JsonResponse({"error": "invalid_payload"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "invalid_payload"}, status=400)
    team_id = (payload.get("team") or {}).get("id", "")
    user_id = (payload.get("user") or {}).get("id", "")
    response_url = payload.get("response_url", "")
    if _foreign(team_id, payload.get("api_app_id", "")):
        return _reply(response_url, _("This app only works in the community's own workspace."))
    member = _member_for(user_id)
    if member is None:
        return _reply(response_url, _connect_message())
    with translation.override(member.preferred_language or settings.LANGUAGE_CODE):
        if payload.get("type") == "view_submission":
            return _view_submission(member, payload.get("view") or {})
        if payload.get("type") == "block_actions" and payload.get("actions"):
            return _block_action(member, payload["actions"][0], payload)
    return HttpResponse(status=200)


def _reply(response_url: str, text: str) -> HttpResponse:
    """Answer a button press privately; Slack takes that answer through the response_url."""
    if response_url:
        transaction.on_commit(lambda: slack_respond.delay(response_url, text))
    return HttpResponse(status=200)


def _object_id(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _block_action(member: User, action: dict, payload: dict) -> HttpResponse:
    action_id = action.get("action_id", "")
    response_url = payload.get("response_url", "")
    pk = _object_id(action.get("value"))
    if action_id == "proposal_open":
        return HttpResponse(status=200)
    if action_id in {"proposal_cheer", "proposal_join"}:
        proposal = Proposal.objects.filter(pk=pk).first() if pk else None
        if proposal is None:
            return _reply(response_url, _("That proposal no longer exists."))
        if action_id == "proposal_cheer":
            return _reply(response_url, _cheer(member, proposal))
        trigger_id = payload.get("trigger_id", "")
        if not trigger_id:
            return _reply(response_url, _("Please try the button again."))
        view = join_modal(proposal)
        transaction.on_commit(lambda: slack_open_view.delay(trigger_id, view))
        return HttpResponse(status=200)
    if action_id in {"membership_accept", "membership_decline"}:
        membership = (
            Membership.objects.select_related("proposal", "user").filter(pk=pk).first()
            if pk
            else None
        )
        if membership is None:
            return _reply(response_url, _("That join request no longer exists."))
        return _reply(response_url, _decide(member, membership, action_id))
    if action_id in {"nudge_still_going", "nudge_pause"}:
        proposal = Proposal.objects.filter(pk=pk).first() if pk else None
        if proposal is None:
            return _reply(response_url, _("That proposal no longer exists."))
        return _reply(response_url, _answer_nudge(member, proposal, action_id))
    return _reply(response_url, _("Sorry, I don't know that button."))


def _answer_nudge(member: User, proposal: Proposal, action_id: str) -> str:
    """The proposer's answer to a gentle nudge: both answers are fine."""
    try:
        if action_id == "nudge_still_going":
            services.proposal_still_going(proposal=proposal, by=member)
            return _("Good to hear! We'll check in again after a quiet while.")
        services.proposal_transition(
            proposal=proposal,
            to=Status.ARCHIVED,
            by=member,
            note=_("Paused after a quiet while. Maybe later!"),
        )
    except (ProposalError, ValidationError) as error:
        return _error_text(error)
    return _("Paused. You can reopen it any time, whenever it suits you.")


def _cheer(member: User, proposal: Proposal) -> str:
    """A Slack cheer only ever cheers (a replayed click must not take it back)."""
    if not services.cheer_set(proposal=proposal, user=member, cheered=True):
        return _("You're already cheering “%(title)s” 📣") % {"title": proposal.title}
    return _("You cheered “%(title)s” 📣 and will hear how it goes.") % {"title": proposal.title}


def _decide(member: User, membership: Membership, action_id: str) -> str:
    decide = (
        services.membership_accept
        if action_id == "membership_accept"
        else services.membership_decline
    )
    try:
        decided = decide(membership=membership, by=member)
    except ProposalError as error:
        return error.message
    name = decided.user.public_name
    if action_id == "membership_accept":
        return _("%(name)s is now on the team. 🎉") % {"name": name}
    return _("You answered %(name)s kindly; they'll get your message.") % {"name": name}


def _view_submission(member: User, view: dict) -> HttpResponse:
    callback_id = view.get("callback_id")
    if callback_id == "idea_submit":
        roles = [
            services.RoleInput(name=line.strip())
            for line in _modal_value(view, "roles").splitlines()
            if line.strip()
        ]
        themes = [theme for theme in _modal_value(view, "themes").split(",") if theme.strip()]
        try:
            services.proposal_submit(
                proposer=member,
                title=_modal_value(view, "title"),
                summary=_modal_value(view, "summary"),
                tags=themes,
                roles=roles,
                submission_key=f"slack-view:{view.get('id', '')}" if view.get("id") else "",
            )
        except ValidationError as error:
            return _modal_errors(error, "title")
        return HttpResponse(status=200)
    if callback_id == "join_request":
        pk = _object_id(view.get("private_metadata"))
        proposal = Proposal.objects.filter(pk=pk).first() if pk else None
        if proposal is None:
            return JsonResponse(
                {"response_action": "errors", "errors": {"role": _("That proposal is gone.")}}
            )
        try:
            services.membership_request(
                proposal=proposal,
                user=member,
                role=_modal_value(view, "role"),
                availability=_modal_value(view, "availability"),
                message=_modal_value(view, "message"),
            )
        except (ValidationError, ProposalError) as error:
            return _modal_errors(error, "role")
        return HttpResponse(status=200)
    return HttpResponse(status=200)


# --- calls back to Slack (after commit, in a worker) ----------------------------------------------


def _retry_later(task, error: SlackError):
    """Rate limits wait as long as Slack asks; other passing failures back off exponentially."""
    if isinstance(error, SlackRateLimited):
        countdown = error.retry_after
    else:
        countdown = min(2 ** (task.request.retries + 1), 60)
    return task.retry(exc=error, countdown=countdown + random.uniform(0, 1))


@shared_task(bind=True, acks_late=True, max_retries=3)
def slack_open_view(self, trigger_id: str, view: dict) -> None:
    """Open a modal. A trigger id lives three seconds, so a late retry fails harmlessly."""
    try:
        slack.open_view(trigger_id=trigger_id, view=view)
    except (SlackRateLimited, SlackTransient) as error:
        raise _retry_later(self, error) from error
    except SlackPermanent:
        log.warning("Slack refused to open a modal", exc_info=True)


@shared_task(bind=True, acks_late=True, max_retries=5)
def slack_respond(self, response_url: str, text: str) -> None:
    try:
        slack.respond_ephemeral(response_url=response_url, text=text)
    except (SlackRateLimited, SlackTransient) as error:
        raise _retry_later(self, error) from error
    except SlackPermanent:
        log.warning("Slack refused an ephemeral answer", exc_info=True)
