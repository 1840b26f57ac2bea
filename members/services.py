"""Writes about members: profile, language, personal API tokens."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, User

MAX_INTERESTS = 15


def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str = "",
    interests: Iterable[str] = (),
    skills: str = "",
    availability: str = "",
    preferred_language: str = "",
    slack_user_id: str | None = None,
) -> User:
    cleaned: list[str] = []
    for raw in interests:
        name = " ".join(str(raw).split()).lstrip("#")
        if name and name not in cleaned:
            cleaned.append(name[:40])
    if len(cleaned) > MAX_INTERESTS:
        raise ValidationError(
            {"interests": _("At most %(n)d interests, please.") % {"n": MAX_INTERESTS}}
        )
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.interests = cleaned
    user.skills = skills.strip()
    user.availability = availability.strip()
    user.preferred_language = preferred_language
    if slack_user_id is not None:
        slack_user_id = slack_user_id.strip()
        if (
            slack_user_id
            and User.objects.filter(slack_user_id=slack_user_id).exclude(pk=user.pk).exists()
        ):
            raise ValidationError(
                {"slack_user_id": _("This Slack account is already linked to another member.")}
            )
        user.slack_user_id = slack_user_id
    user.full_clean(exclude=["password", "username", "email"])
    user.save()
    return user


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
