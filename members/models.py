import hashlib
import secrets
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

MODERATORS_GROUP = "moderators"


class ProfileVisibility(models.TextChoices):
    """Who sees a member on the members page and their profile page. Their name still shows
    where they act (a comment they wrote, a team they are on)."""

    COMMUNITY = "community", _("Everyone in the community")
    TEAM = "team", _("Only the people on my teams")


class Introductions(models.TextChoices):
    """Whether the member would like to be introduced to someone now and then (issue 13). Off
    unless they choose it; "paused" keeps their choice for later and skips the rounds meanwhile."""

    OFF = "off", _("No introductions, thank you")
    ON = "on", _("Yes, introduce me to someone now and then")
    PAUSED = "paused", _("Paused for now")


TIME_ZONE_MAX = 64

# A member who deleted their account keeps an anonymised, inactive row (their proposals,
# comments, cheers and answers stay, and history stays true) under this username and no other
# personal data; everywhere a name is shown they are "a former member". Sign-up refuses it.
FORMER_MEMBER_PREFIX = "former-member-"


def is_former_member(username: str) -> bool:
    return (username or "").startswith(FORMER_MEMBER_PREFIX)


def shown_name(display_name: str, username: str) -> str:
    """The name a member is shown by, in the active language for a former member."""
    if is_former_member(username):
        return str(_("a former member"))
    return display_name or username


@cache
def known_time_zones() -> frozenset[str]:
    """The IANA zones this machine knows (read from disk once: the answer is a few hundred names)."""
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in known_time_zones():
        raise ValidationError(
            _("We don’t know the time zone “%(zone)s”. Please choose one from the list."),
            code="unknown_time_zone",
            params={"zone": value},
        )


class User(AbstractUser):
    """A community member. The profile lives on the user: every page that shows a person needs it."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    bio = models.TextField(_("self-introduction"), max_length=2000, blank=True)
    interests = models.JSONField(
        _("interests"), default=list, blank=True, help_text=_("Themes you care about.")
    )
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    availability = models.CharField(
        _("availability"),
        max_length=200,
        blank=True,
        help_text=_("In your own words, e.g. “weekends, about 2 h a week”."),
    )
    slack_user_id = models.CharField(_("Slack user id"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    # An IANA name ("Europe/Berlin"); empty means the community's own zone (settings.TIME_ZONE).
    time_zone = models.CharField(
        _("time zone"),
        max_length=TIME_ZONE_MAX,
        blank=True,
        validators=[validate_time_zone],
    )

    profile_visibility = models.CharField(
        _("who sees my profile"),
        max_length=16,
        choices=ProfileVisibility.choices,
        default=ProfileVisibility.COMMUNITY,
    )
    open_to_suggestions = models.BooleanField(
        _("open to suggestions"),
        default=True,
        help_text=_("Proposers may see you among people who might like to help, and invite you."),
    )
    # Visitors outside the community (the public page, issue 16) see "a member" unless this is on.
    show_name_to_visitors = models.BooleanField(_("show my name to visitors"), default=False)
    introductions = models.CharField(
        _("introductions"),
        max_length=8,
        choices=Introductions.choices,
        default=Introductions.OFF,
    )
    # "Pause notifications for a week" (the Slack App Home's button): until then no email, no
    # daily digest and no Slack direct message; the notifications still arrive in the app.
    notifications_paused_until = models.DateTimeField(
        _("notifications paused until"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # Slack actions are attributed by this id: one member per Slack account.
            models.UniqueConstraint(
                fields=["slack_user_id"],
                condition=~models.Q(slack_user_id=""),
                name="member_unique_slack_user_id",
                violation_error_message=_(
                    "This Slack account is already linked to another member."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return shown_name(self.display_name, self.username)

    @property
    def is_former(self) -> bool:
        """Deleted their account (members.services.member_delete): only an anonymised row."""
        return is_former_member(self.username)

    @property
    def zone(self) -> ZoneInfo | None:
        """The member's own time zone, or None for the community's (also when the saved name is no
        longer known here, e.g. after a tzdata update renamed it)."""
        if not self.time_zone:
            return None
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    @property
    def is_moderator(self) -> bool:
        # Cached per instance: permission checks ask this many times per page.
        if not hasattr(self, "_is_moderator"):
            self._is_moderator = self.is_superuser or _in_group(self.pk, MODERATORS_GROUP)
        return self._is_moderator


def _in_group(user_id: int | None, name: str) -> bool:
    """Whether the member is in the group called `name`: one statement written once (every page
    asks it of the viewer, and building the queryset cost several times running it)."""
    if user_id is None:
        return False
    quote = connection.ops.quote_name
    through, group = User.groups.through, Group
    link, table = quote(through._meta.db_table), quote(group._meta.db_table)
    sql = (
        f"SELECT 1 FROM {link} INNER JOIN {table} ON {table}.{quote(group._meta.pk.column)} = "
        f"{link}.{quote(through._meta.get_field('group').column)} "
        f"WHERE {link}.{quote(through._meta.get_field('user').column)} = %s "
        f"AND {table}.{quote(group._meta.get_field('name').column)} = %s LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, name])
        return cursor.fetchone() is not None


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def for_raw(self, raw: str):
        return self.filter(key_hash=_hash_token(raw)).select_related("user")


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the raw token is shown once."""

    PREFIX = "inc_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @classmethod
    def new_raw_token(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)
