"""Writes about members: profile, language, the linked Slack account, personal API tokens."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import lru_cache

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationMail
from meetups import services as meetup_services
from meetups.choices import Answer, RsvpStatus
from meetups.errors import MeetupError
from meetups.models import CalendarFeed, Rsvp
from proposals import origins
from proposals import services as proposal_services
from proposals.choices import MembershipStatus
from proposals.errors import ProposalError
from proposals.models import (
    Follow,
    Invitation,
    InvitationStatus,
    Membership,
    Proposal,
    SlackOrigin,
)
from workers import services as notify
from workers.models import EmailDigest, EmailPreference, SlackDirectChannel, SlackDmPreference

from . import selectors
from .models import FORMER_MEMBER_PREFIX, ApiToken, Introductions, ProfileVisibility, User

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


@lru_cache(maxsize=8)
def _token_user_sql(vendor: str) -> str:
    """The active member whose token has a given hash, with the token's id and when it was last
    used (`token_id`, `token_used_at`): one statement, its names taken from the models."""
    quote = connection.ops.quote_name
    user, token = quote(User._meta.db_table), quote(ApiToken._meta.db_table)

    def column(model, table: str, name: str) -> str:
        return f"{table}.{quote(model._meta.get_field(name).column)}"

    fields = ", ".join(f"{user}.{quote(f.column)}" for f in User._meta.concrete_fields)
    return (
        f"SELECT {fields}, {column(ApiToken, token, 'id')} AS token_id, "
        f"{column(ApiToken, token, 'last_used_at')} AS token_used_at FROM {token} "
        f"INNER JOIN {user} ON {column(User, user, 'id')} = {column(ApiToken, token, 'user')} "
        f"WHERE {column(ApiToken, token, 'key_hash')} = %s AND {column(User, user, 'is_active')}"
    )


def api_token_authenticate(raw: str) -> User | None:
    """The active member a raw token belongs to, or None. Records when it was last used (at most
    once a minute).

    Every API request asks this, so it is one plain statement (the token's row by its unique
    hash, joined to its member) read as a User: the ORM's queryset for it (the token with
    select_related user, ordered by first()) cost four times as much, most of it in compiling."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    found = User.objects.raw(_token_user_sql(connection.vendor), [ApiToken.hash(raw)])
    user = next(iter(found), None)
    if user is None:
        return None
    # SQLite returns the extra column as text, as Django wrote it (UTC); PostgreSQL a datetime.
    used = user.token_used_at
    if isinstance(used, str):
        used = parse_datetime(used)
    if used is not None and timezone.is_naive(used):
        used = used.replace(tzinfo=UTC)
    now = timezone.now()
    if used is None or (now - used).total_seconds() > 60:
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
    return user


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


# --- a first week that welcomes (issue 16) --------------------------------------------------------

ONBOARDING_STEPS = ("name", "introduction", "interests", "availability")
_UNCHANGED = object()


def onboarding_step_save(
    *,
    user: User,
    display_name=_UNCHANGED,
    bio=_UNCHANGED,
    interests=_UNCHANGED,
    availability=_UNCHANGED,
    share_introduction: bool = False,
) -> User:
    """One step of the first steps after sign-up: only the field that step asks about changes
    (through profile_update, so it is validated and cards show a new name alike). With
    `share_introduction`, the self-introduction is posted once to the introductions channel."""

    def given(value, saved):
        return saved if value is _UNCHANGED else value

    with transaction.atomic():
        profile_update(
            user=user,
            display_name=given(display_name, user.display_name),
            bio=given(bio, user.bio),
            interests=given(interests, user.interests or []),
            skills=user.skills,
            availability=given(availability, user.availability),
            preferred_language=user.preferred_language,
        )
        if share_introduction:
            self_introduction_share(user=user)
    return user


def self_introduction_can_share() -> bool:
    """Whether "post my introduction to Slack" is offered at all."""
    return bool(settings.SLACK_BOT_TOKEN and settings.SLACK_INTRO_CHANNEL_ID)


def self_introduction_share(*, user: User) -> bool:
    """Post the member's self-introduction to the introductions channel, once per member (the
    member chose it; off unless they tick it). False when there is nothing to post, Slack is not
    set up, or it was posted already."""
    if not user.bio.strip() or not self_introduction_can_share():
        return False
    with transaction.atomic():
        return notify.self_introduction_record(user=user, payload={"member_id": user.pk})


def member_arrived(*, user: User) -> bool:
    """Someone signed up (an invite code, an invitation link, Sign in with Slack): a kind welcome
    to them with a few first steps, and the moderators told who arrived. Once per member."""
    with transaction.atomic():
        return notify.member_arrival_record(
            user=user,
            welcome_payload={"name": user.public_name, "path": SUITED_BOARD},
            arrival_payload={
                "name": user.public_name,
                "member_id": user.pk,
                "path": reverse("members:profile", args=[user.username]),
            },
        )


SUITED_BOARD = "/?suited=1"


# --- delete my account (issue 16) ----------------------------------------------------------------

# Keys of an event's snapshot (and a webhook's body) that hold a person's shown name.
_NAME_KEYS = frozenset(
    {"actor_name", "applicant_name", "invitee_name", "cheerer_names", "name", "member", "people"}
)


@dataclass(frozen=True)
class _Traces:
    """What identifies a member in text written about them: their names (replaced where a name
    is kept) and what is theirs alone (replaced wherever it appears)."""

    names: frozenset[str]
    anywhere: tuple[str, ...]
    label: str

    def scrub(self, value, *, naming: bool = False):
        if isinstance(value, str):
            if (naming and value in self.names) or any(t in value for t in self.anywhere):
                return self.label
            return value
        if isinstance(value, list):
            return [self.scrub(item, naming=naming) for item in value]
        if isinstance(value, dict):
            return {
                key: self.scrub(item, naming=naming or key in _NAME_KEYS)
                for key, item in value.items()
            }
        return value

    def search(self, field: str) -> Q:
        """Rows whose text (or JSON, as the database writes it) may hold a trace."""
        condition = Q()
        for trace in (*self.names, *self.anywhere):
            condition |= Q(**{f"{field}__contains": trace})
            escaped = json.dumps(trace)[1:-1]
            if escaped != trace:
                condition |= Q(**{f"{field}__contains": escaped})
        return condition


# Shorter texts than this are not searched for outside a name's place: they could be anyone's.
_TRACE_MIN = 12


def _traces_of(user: User) -> _Traces:
    emails = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    emails |= {user.email} if user.email else set()
    names = {user.username, user.display_name, user.first_name, user.last_name}
    names |= {user.get_full_name()}
    anywhere = {*emails, reverse("members:profile", args=[user.username])}
    if user.slack_user_id:
        anywhere.add(user.slack_user_id)
    if len(user.bio.strip()) >= _TRACE_MIN:
        anywhere.add(user.bio.strip())
    label = str(_("a former member"))
    return _Traces(
        names=frozenset(name for name in names if name.strip()),
        anywhere=tuple(sorted(trace for trace in anywhere if trace)),
        label=label,
    )


def _scrub_snapshots(traces: _Traces, *, slack_user_id: str) -> None:
    """Events keep a snapshot of what they said (names included), webhook deliveries the body
    they sent, the admin's log the name of what it changed: the member's traces go from all."""
    notify.member_traces_remove(traces=traces, slack_user_id=slack_user_id)
    LogEntry.objects.filter(traces.search("object_repr")).update(object_repr=traces.label)


def _applications_forget(user: User, traces: _Traces) -> None:
    """Their request to join (applications): the decision and its dates stay, so the moderators'
    history and counts stay true; who they were, what they wrote and the emails about it go."""
    emails = [trace for trace in traces.anywhere if "@" in trace]
    theirs = Application.objects.filter(Q(member=user) | Q(email__in=emails))
    ApplicationMail.objects.filter(application__in=theirs).delete()
    theirs.update(
        name=traces.label,
        call_name=traces.label,
        email="",
        interests=[],
        hopes="",
        found_us="",
        invite_nonce="",
    )


def _sessions_end(user: User) -> None:
    """Every session the member is signed in with (the database's sessions are read once)."""
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=mine).delete()


def member_delete(*, user: User, confirmation: str) -> User:
    """Delete my account. The member types their username to confirm; anything else changes
    nothing and says why. In one transaction:

    - their answers to meetups still ahead are taken back ("can't"), so the first waiting moves
      up; their requests are withdrawn, and they leave the teams they are on (the proposer is told
      "a former member stepped back", counts stay true); open invitations to them end;
    - their personal data goes: email addresses, names, profile text, Slack id, tokens, calendar
      feeds, social accounts, notification choices, follows, sessions, and every trace of their
      name or address in the events' snapshots and what was sent;
    - what they gave stays, by "a former member": proposals (a proposal keeps its proposer),
      comments, cheers, past team places, meetup answers, introductions;
    - nothing more is sent to them.

    The row itself stays (anonymised, inactive, no usable password) so every page that shows what
    they did still renders. After commit, the Slack cards that showed them are edited."""
    if user.is_former or not user.is_active:
        raise ValidationError(_("This account has already been deleted."), code="deleted")
    if (confirmation or "").strip() != user.username:
        raise ValidationError(
            {
                "confirmation": _(
                    "That isn’t your username, so nothing was deleted. Please type %(username)s "
                    "exactly to confirm."
                )
                % {"username": user.username}
            },
            code="confirmation",
        )
    # What is recorded on the way (a team's history: "a former member stepped back") is written
    # in the community's language, as the traces' replacement is.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        user = User.objects.select_for_update().get(pk=user.pk)
        traces = _traces_of(user)
        slack_user_id = user.slack_user_id
        _withdraw_meetup_answers(user)
        _anonymise(user)
        for membership in (
            Membership.objects.filter(
                user=user, status__in=(MembershipStatus.ACCEPTED, MembershipStatus.REQUESTED)
            )
            .exclude(proposal__proposer=user)
            .select_related("proposal")
        ):
            proposal_services.membership_leave(proposal=membership.proposal, user=user)
        Invitation.objects.filter(invitee=user, status=InvitationStatus.OPEN).update(
            status=InvitationStatus.EXPIRED, decided_at=timezone.now()
        )
        for model in (
            ApiToken,
            EmailAddress,
            SocialAccount,
            EmailPreference,
            SlackDmPreference,
            SlackDirectChannel,
            EmailDigest,
            CalendarFeed,
            Follow,
        ):
            model.objects.filter(user=user).delete()
        user.groups.clear()
        user.user_permissions.clear()
        _sessions_end(user)
        _applications_forget(user, traces)
        if slack_user_id:  # a proposal made from their Slack message keeps its message, not them
            SlackOrigin.objects.filter(author_slack_user_id=slack_user_id).update(
                author_slack_user_id=""
            )
        origins.origins_unanswered_end(author=user)
        _scrub_snapshots(traces, slack_user_id=slack_user_id)
        notify.deliveries_cancel_for_member(
            user_id=user.pk, reason="The member deleted their account; nothing more is sent."
        )
        _cards_show_a_new_name(user)
        for proposal_id in _proposals_showing(user):
            notify.slack_card_refresh(proposal_id=proposal_id)
    return user


def _withdraw_meetup_answers(user: User) -> None:
    """Meetups still open for answers: their place goes to the next person waiting."""
    answered = Rsvp.objects.filter(
        user=user,
        status__in=(RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.MAYBE),
        meetup__starts_at__gt=timezone.now(),
    ).select_related("meetup")
    for rsvp in answered:
        try:
            meetup_services.meetup_answer(meetup=rsvp.meetup, user=user, answer=Answer.CANT)
        except (ValidationError, MeetupError, ProposalError):
            continue  # cancelled or closed meanwhile: the answer no longer holds a place


def _anonymise(user: User) -> None:
    user.username = f"{FORMER_MEMBER_PREFIX}{user.pk}"
    user.email = ""
    user.first_name = user.last_name = ""
    user.display_name = ""
    user.bio = ""
    user.interests = []
    user.skills = ""
    user.availability = ""
    user.slack_user_id = ""
    user.preferred_language = ""
    user.time_zone = ""
    user.profile_visibility = ProfileVisibility.TEAM
    user.open_to_suggestions = False
    user.introductions = Introductions.OFF
    user.notifications_paused_until = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.set_unusable_password()
    user.save()


def _proposals_showing(user: User) -> list[int]:
    """The proposals whose Slack card names the member (as proposer or on the team)."""
    on_them = Q(proposer=user) | Q(
        memberships__user=user, memberships__status=MembershipStatus.ACCEPTED
    )
    return list(Proposal.objects.filter(on_them).values_list("pk", flat=True).distinct())
