"""Writes about members: profile, language, the linked Slack account, personal API tokens."""

from collections.abc import Iterable
from datetime import timedelta

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.choices import MembershipStatus
from proposals.models import Proposal
from workers import services as notify

from . import selectors
from .models import ApiToken, User

MAX_INTERESTS = 15
NOTIFICATIONS_PAUSE_DAYS = 7


def clean_interests(interests: Iterable[str]) -> list[str]:
    """A profile's interests as they are saved: spaces collapsed, no leading "#", each once, at
    most 40 characters, at most MAX_INTERESTS of them (more is refused in words)."""
    cleaned: list[str] = []
    for raw in interests:
        name = " ".join(str(raw).split()).lstrip("#")
        if name and name not in cleaned:
            cleaned.append(name[:40])
    if len(cleaned) > MAX_INTERESTS:
        raise ValidationError(
            {"interests": _("At most %(n)d interests, please.") % {"n": MAX_INTERESTS}}
        )
    return cleaned


def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str = "",
    interests: Iterable[str] = (),
    skills: str = "",
    availability: str = "",
    preferred_language: str = "",
    time_zone: str | None = None,
    profile_visibility: str | None = None,
    open_to_suggestions: bool | None = None,
    show_name_to_visitors: bool | None = None,
    introductions: str | None = None,
) -> User:
    """The member's own profile. Their Slack id is not part of it: only slack_link sets that.

    `time_zone` is an IANA name, "" for the community's own (settings.TIME_ZONE); None keeps the
    saved one, as it does for `profile_visibility` (a ProfileVisibility value),
    `open_to_suggestions`, `show_name_to_visitors` (the public page names them) and
    `introductions` (an Introductions value)."""
    cleaned = clean_interests(interests)
    shown_as = user.public_name
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.interests = cleaned
    user.skills = skills.strip()
    user.availability = availability.strip()
    user.preferred_language = preferred_language
    if time_zone is not None:
        user.time_zone = time_zone.strip()
    if profile_visibility is not None:
        user.profile_visibility = profile_visibility
    if open_to_suggestions is not None:
        user.open_to_suggestions = bool(open_to_suggestions)
    if show_name_to_visitors is not None:
        user.show_name_to_visitors = bool(show_name_to_visitors)
    if introductions is not None:
        user.introductions = introductions
    user.full_clean(exclude=["password", "username", "email", "slack_user_id"])
    user.save(
        update_fields=[
            "display_name",
            "bio",
            "interests",
            "skills",
            "availability",
            "preferred_language",
            "time_zone",
            "profile_visibility",
            "open_to_suggestions",
            "show_name_to_visitors",
            "introductions",
        ]
    )
    if user.public_name != shown_as:
        _cards_show_a_new_name(user)
    return user


def _cards_show_a_new_name(user: User) -> None:
    """Cards name their proposer and show their team's faces: a renamed member changes the cards
    they are on, so the board's fingerprint (the latest `updated_at`) moves with them."""
    on_them = Q(proposer=user) | Q(
        memberships__user=user, memberships__status=MembershipStatus.ACCEPTED
    )
    Proposal.objects.filter(pk__in=Proposal.objects.filter(on_them).values("pk")).update(
        updated_at=timezone.now()
    )


# Slack: a member's Slack id attributes what is done in Slack to them, so it is set only after
# Slack itself vouched for it: Sign in with Slack (members.slack_login), or a signed link that the
# slash command sends to that Slack user alone (slack_link_token, then slack_link_from_token).

SLACK_PROVIDER = "slack"
SLACK_LINK_SALT = "members.slack-link"
SLACK_LINK_MAX_AGE = 30 * 60  # seconds a link from Slack stays valid


def _slack_taken() -> ValidationError:
    return ValidationError(
        {"slack_user_id": _("This Slack account is already linked to another member.")},
        code="slack_taken",
    )


def slack_link(*, user: User, slack_user_id: str) -> User:
    """Link a Slack id that a verified flow vouched for. Refused, and nothing changed, when another
    member holds it (the unique constraint decides a race: its error becomes the same message)."""
    slack_user_id = (slack_user_id or "").strip()
    if not slack_user_id:
        raise ValidationError({"slack_user_id": _("Slack did not say which account this is.")})
    if selectors.slack_account_holder(slack_user_id=slack_user_id, exclude=user) is not None:
        raise _slack_taken()
    if len(slack_user_id) > User._meta.get_field("slack_user_id").max_length:
        raise ValidationError({"slack_user_id": _("That is not a Slack user id.")})
    if user.slack_user_id == slack_user_id:
        return user
    try:
        # Only this column is written: whatever else happens to the member meanwhile is kept.
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(slack_user_id=slack_user_id)
        notify.slack_home_changed(slack_user_id=slack_user_id)
    except IntegrityError:
        raise _slack_taken() from None
    user.slack_user_id = slack_user_id
    return user


def slack_unlink(*, user: User) -> User:
    """Disconnect Slack: Slack actions are no longer theirs, and Sign in with Slack is removed,
    unless it is the member's only way to sign in (then they are asked to set a password first)."""
    accounts = SocialAccount.objects.filter(user=user, provider=SLACK_PROVIDER)
    others = SocialAccount.objects.filter(user=user).exclude(provider=SLACK_PROVIDER)
    if accounts.exists() and not user.has_usable_password() and not others.exists():
        raise ValidationError(
            _(
                "You sign in with Slack, so it stays connected until you set a password "
                "for your account."
            ),
            code="slack_only_sign_in",
        )
    with transaction.atomic():
        accounts.delete()
        User.objects.filter(pk=user.pk).update(slack_user_id="")
        if user.slack_user_id:
            notify.slack_home_changed(slack_user_id=user.slack_user_id)
    user.slack_user_id = ""
    return user


def slack_link_token(*, team_id: str, slack_user_id: str) -> str:
    """A signed, short-lived token for a link that is sent to this Slack user only (the slash
    command's reply); whoever opens it signed in links that Slack account to themselves."""
    return signing.dumps({"team": team_id, "user": slack_user_id}, salt=SLACK_LINK_SALT)


def slack_link_path(*, team_id: str, slack_user_id: str) -> str:
    """The site path of that link (the slash command makes it absolute with SITE_URL)."""
    token = slack_link_token(team_id=team_id, slack_user_id=slack_user_id)
    return reverse("members:slack_connect", args=[token])


def slack_link_identity(*, token: str) -> str:
    """The Slack user id a link token vouches for, or a ValidationError saying why not."""
    try:
        data = signing.loads(token, salt=SLACK_LINK_SALT, max_age=SLACK_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This link has expired. Type %(command)s link in Slack again for a new one.")
            % {"command": settings.SLACK_COMMAND},
            code="expired",
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            _("This link is not valid. Type %(command)s link in Slack for a new one.")
            % {"command": settings.SLACK_COMMAND},
            code="invalid",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), str) or not data["user"]:
        raise ValidationError(_("This link is not valid."), code="invalid")
    if settings.SLACK_TEAM_ID and data.get("team") != settings.SLACK_TEAM_ID:
        raise ValidationError(
            _("That Slack workspace isn't our community's."), code="foreign_workspace"
        )
    return data["user"]


def slack_link_from_token(*, user: User, token: str) -> User:
    return slack_link(user=user, slack_user_id=slack_link_identity(token=token))


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal token; returns the row and the raw token, which is never shown again."""
    name = name.strip() or _("API token")
    raw = ApiToken.new_raw_token()
    token = ApiToken(user=user, name=name[:80], key_hash=ApiToken.hash(raw))
    token.full_clean()
    token.save()
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> bool:
    deleted, _unused = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def api_token_authenticate(raw: str) -> User | None:
    """The active member a raw token belongs to, or None. Records when it was last used."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.for_raw(raw).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def notifications_pause(*, user: User, days: int = NOTIFICATIONS_PAUSE_DAYS) -> User:
    """A quiet week: no email, no daily digest, no Slack direct message until then (what arrives
    meanwhile is still in the app, and the next digest after the pause gathers it)."""
    return _notifications_paused(user, until=timezone.now() + timedelta(days=days))


def notifications_resume(*, user: User) -> User:
    return _notifications_paused(user, until=None)


def _notifications_paused(user: User, *, until) -> User:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(notifications_paused_until=until)
        if user.slack_user_id:  # their Slack App Home says so, and offers the other button
            notify.slack_home_changed(slack_user_id=user.slack_user_id)
    user.notifications_paused_until = until
    return user
