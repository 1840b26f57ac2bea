"""The Slack App Home's state: which Homes have changes they do not show yet, and who publishes.

A Home is marked like a card (`SlackHome.changes`), in the change's own transaction, for the
people whose Home the event touches; a Home's publisher (workers/home_sender.py) takes it with a
short lease, renders the latest state and publishes it once for all the changes it gathered.
Nobody who never opened the tab (no row) and no member without a linked Slack account is marked.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from proposals.choices import MembershipStatus

from . import publish
from .events import EventKind
from .models import SlackHome

# A Home's publisher holds it this long at most (a killed run's Home is taken over after it).
LEASE_SECONDS = 60

# What an event changes in the Home of whom: the proposer's proposals and the requests waiting for
# their answer, the applicant's own requests and teams; the team's proposal stage.
TEAM_KINDS = frozenset({EventKind.TRANSITIONED})
HOME_KINDS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.TRANSITIONED,
        EventKind.JOIN_REQUESTED,
        EventKind.JOIN_ACCEPTED,
        EventKind.JOIN_DECLINED,
        EventKind.MEMBER_LEFT,
        EventKind.COMMITMENT_FINISHED,
    }
)


def _mark(homes, now: datetime) -> int:
    return homes.update(changes=F("changes") + 1, dirty_at=Coalesce(F("dirty_at"), now))


def home_refresh(*, slack_user_id: str) -> None:
    """Show this Slack user's Home the current state now: they opened the tab (their first Home is
    made then), or pressed one of its buttons."""
    now = timezone.now()
    with transaction.atomic():
        home, created = SlackHome.objects.get_or_create(
            slack_user_id=slack_user_id, defaults={"changes": 1, "dirty_at": now, "opened_at": now}
        )
        if not created:
            _mark(SlackHome.objects.filter(pk=home.pk), now)
        publish.after_commit(publish.PUBLISH_SLACK_HOME, slack_user_id)


def home_account_changed(*, slack_user_id: str) -> None:
    """What this Slack user's Home shows changed outside an event (their account connected or
    disconnected, notifications paused). Nobody who never opened the tab is published to."""
    if settings.SLACK_BOT_TOKEN and _mark(
        SlackHome.objects.filter(slack_user_id=slack_user_id), timezone.now()
    ):
        publish.after_commit(publish.PUBLISH_SLACK_HOME, slack_user_id)


def proposal_edited(*, proposal) -> None:
    """A new title shows in the Homes that list the proposal: its proposer's and those of everyone
    on its team or asking to join."""
    people = Q(pk=proposal.proposer_id) | Q(memberships__proposal_id=proposal.pk)
    _touch(people, proposal)


def event_recorded(*, kind: str, proposal, payload: dict) -> None:
    """Mark the Homes an event touches (one UPDATE), in the event's transaction; after commit, one
    task publishes each of them a moment later, so the changes of one action make one publish."""
    if kind not in HOME_KINDS or proposal is None:
        return
    people = Q(pk=proposal.proposer_id)
    applicant = payload.get("applicant_id")
    if isinstance(applicant, int):
        people |= Q(pk=applicant)
    if kind in TEAM_KINDS:
        people |= Q(
            memberships__proposal_id=proposal.pk, memberships__status=MembershipStatus.ACCEPTED
        )
    _touch(people, proposal)


def _touch(people: Q, proposal) -> None:
    if not settings.SLACK_BOT_TOKEN:
        return
    linked = (
        get_user_model()
        .objects.filter(people, is_active=True)
        .exclude(slack_user_id="")
        .values("slack_user_id")
    )
    if _mark(SlackHome.objects.filter(slack_user_id__in=linked), timezone.now()):
        transaction.on_commit(
            lambda: publish.publish(
                publish.REFRESH_SLACK_HOMES,
                proposal.pk,
                eta=timezone.now() + timedelta(seconds=settings.SLACK_HOME_COALESCE_SECONDS),
            ),
            robust=True,
        )


def dirty_homes(*, proposal_id: int) -> list[str]:
    """The Slack users whose Home shows this proposal and has changes it does not show yet."""
    users = get_user_model().objects.filter(
        Q(proposals__pk=proposal_id) | Q(memberships__proposal_id=proposal_id)
    )
    return list(
        SlackHome.objects.filter(
            slack_user_id__in=users.exclude(slack_user_id="").values("slack_user_id"),
            changes__gt=F("shown_changes"),
        ).values_list("slack_user_id", flat=True)
    )


def home_take(*, slack_user_id: str, now: datetime) -> SlackHome | None:
    """Take the Home to publish it: only when it has changes to show, is due, and nobody else
    publishes it now (a lease)."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q(not_before__isnull=True) | Q(not_before__lte=now)
    taken = SlackHome.objects.filter(
        free, due, slack_user_id=slack_user_id, changes__gt=F("shown_changes")
    ).update(lease_until=now + timedelta(seconds=LEASE_SECONDS))
    if not taken:
        return None
    return SlackHome.objects.get(slack_user_id=slack_user_id)


def home_published(home: SlackHome, *, shown: int, error: str = "") -> bool:
    """The Home shows the state of `shown` changes (or gave up on them, with the error); True
    when more changes came meanwhile (the publisher goes again)."""
    now = timezone.now()
    SlackHome.objects.filter(pk=home.pk).update(
        shown_changes=shown,
        dirty_at=None,
        lease_until=None,
        not_before=None,
        attempts=0,
        last_error=error,
        published_at=now if not error else F("published_at"),
    )
    return SlackHome.objects.filter(pk=home.pk, changes__gt=shown).exists()


def home_later(home: SlackHome, *, seconds: float, error: str, failure: bool) -> None:
    """Give the Home back, to be published `seconds` later (a failure counts an attempt)."""
    SlackHome.objects.filter(pk=home.pk).update(
        lease_until=None,
        not_before=timezone.now() + timedelta(seconds=seconds),
        attempts=F("attempts") + (1 if failure else 0),
        last_error=error,
    )


def homes_unattended(*, now: datetime) -> list[str]:
    """Homes with changes waiting for a while with nobody publishing them (their task was lost,
    the broker was down): beat's sweeper publishes them again."""
    waited = now - timedelta(seconds=LEASE_SECONDS)
    return list(
        SlackHome.objects.filter(changes__gt=F("shown_changes"), dirty_at__lt=waited)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .values_list("slack_user_id", flat=True)[:500]
    )
