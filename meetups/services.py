"""Every write of meetups. Each service validates, checks permission, locks the meetup's row,
writes, and records what people should hear (workers.services, in the same transaction)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals.models import Proposal
from workers import services as notify
from workers.events import MeetupEventKind

from . import permissions, selectors
from .choices import FOLLOW_UP_EVENT, Answer, MeetupKind, MeetupStatus, RsvpStatus, Visibility
from .errors import ActionConflict, ActionNotPermitted
from .models import CalendarFeed, Meetup, MeetupReminder, Rsvp

MAX_HOSTS = 10
MAX_REMINDERS = 5
MAX_THEMES = 10
THEME_MAX = 40
# The longest a reminder can come ahead: two weeks.
REMINDER_MAX_MINUTES = 14 * 24 * 60

# What the edit service may change, besides the hosts.
EDITABLE = (
    "title",
    "description",
    "kind",
    "starts_at",
    "ends_at",
    "online_url",
    "place",
    "capacity",
    "proposal",
    "visibility",
    "link_for_going_only",
    "is_public",
    "reminder_minutes",
    "themes",
)


def _cards_changed(*proposal_ids) -> None:
    """A proposal's card and page show its next meetup: moving `updated_at` tells the board's
    fingerprint (and so its polls) that they changed."""
    ids = [pk for pk in proposal_ids if pk is not None]
    if ids:
        Proposal.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def _slack_card(meetup: Meetup) -> None:
    """The meetup's card in the community's Slack channel shows this change: marked in this
    transaction, posted or edited by the channel's sender after commit. A meetup is announced
    there when the whole community may see it and it is open for answers."""
    notify.meetup_card_changed(
        meetup=meetup,
        announce=meetup.visibility == Visibility.COMMUNITY
        and permissions.is_open_for_answers(meetup),
    )


def _refuse_nul(**fields) -> None:
    errors = {
        name: _("This text contains a character that can't be saved (NUL). Please remove it.")
        for name, value in fields.items()
        if isinstance(value, str) and "\x00" in value
    }
    if errors:
        raise ValidationError(errors)


def _lock(meetup: Meetup) -> Meetup:
    return Meetup.objects.select_for_update().get(pk=meetup.pk)


def _payload(meetup: Meetup) -> dict:
    return {
        "meetup_id": meetup.pk,
        "title": meetup.title,
        # Written in the reader's language and the site's time zone when it is read.
        "starts_at": meetup.starts_at.isoformat(),
        "path": meetup.get_absolute_url(),
    }


def _clean_reminders(minutes: Iterable[int] | None) -> list[int]:
    if minutes is None:
        return []
    cleaned = sorted({int(m) for m in minutes}, reverse=True)
    if any(m < 1 or m > REMINDER_MAX_MINUTES for m in cleaned):
        raise ValidationError(
            {"reminder_minutes": _("A reminder can come from 1 minute to 14 days before.")}
        )
    if len(cleaned) > MAX_REMINDERS:
        raise ValidationError(
            {"reminder_minutes": _("At most %(n)d reminders, please.") % {"n": MAX_REMINDERS}}
        )
    return cleaned


def _clean_themes(names: Iterable[str] | None) -> list[str]:
    """Themes as a proposal keeps them: spaces tidied, no leading #, each once, in the order given."""
    cleaned: list[str] = []
    for raw in names or ():
        name = " ".join(str(raw).split()).lstrip("#").strip()
        if not name:
            continue
        _refuse_nul(themes=name)
        if len(name) > THEME_MAX:
            raise ValidationError(
                {"themes": _("A theme can be at most %(n)d characters.") % {"n": THEME_MAX}}
            )
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_THEMES:
        raise ValidationError({"themes": _("At most %(n)d themes, please.") % {"n": MAX_THEMES}})
    return cleaned


def _check(meetup: Meetup, *, by, on_team: bool, proposal_changed: bool = True) -> None:
    """The rules a meetup must hold whoever writes it (the model's own checks come first)."""
    meetup.full_clean(exclude=["created_by", "hosts", "proposal", "reminder_minutes", "themes"])
    if not meetup.online_url and not meetup.place.strip():
        raise ValidationError({"place": _("Please give a place or an online link (or both).")})
    if meetup.visibility == Visibility.TEAM and meetup.proposal_id is None:
        raise ValidationError(
            {"visibility": _("Only a meetup for a proposal can be for its team only.")}
        )
    if meetup.is_public and meetup.visibility != Visibility.COMMUNITY:
        raise ValidationError(
            {"is_public": _("A meetup for its team only can’t be shown to visitors.")}
        )
    if (
        proposal_changed
        and meetup.proposal_id is not None
        and not permissions.can_tie_to_proposal(by, meetup.proposal, on_team=on_team)
    ):
        raise ValidationError(
            {"proposal": _("Only the proposal's team or a moderator can add a meetup to it.")}
        )


def meetup_create(
    *,
    by,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    kind: str = MeetupKind.SOCIAL,
    online_url: str = "",
    place: str = "",
    capacity: int | None = None,
    proposal=None,
    visibility: str = Visibility.COMMUNITY,
    link_for_going_only: bool = False,
    is_public: bool = False,
    co_hosts: Iterable = (),
    reminder_minutes: Iterable[int] | None = None,
    themes: Iterable[str] = (),
) -> Meetup:
    """Anyone signed in may start a meetup; they are its first host, and going (they will be
    there: their seat counts in the capacity, and they hear the reminders). Co-hosts answer for
    themselves."""
    if not permissions.can_create(by):
        raise ActionNotPermitted(_("Please sign in to start a meetup."))
    _refuse_nul(title=title, description=description, place=place, online_url=online_url)
    meetup = Meetup(
        created_by=by,
        title=title.strip(),
        description=description,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        online_url=online_url.strip(),
        place=place.strip(),
        capacity=capacity,
        proposal=proposal,
        visibility=visibility,
        link_for_going_only=link_for_going_only,
        is_public=bool(is_public),
        themes=_clean_themes(themes),
    )
    if reminder_minutes is not None:
        meetup.reminder_minutes = _clean_reminders(reminder_minutes)
    meetup.render()
    _check(meetup, by=by, on_team=selectors.on_team(user=by, proposal=proposal))
    hosts = _clean_hosts(by, co_hosts)
    with transaction.atomic():
        meetup.save()
        meetup.hosts.set(hosts)
        Rsvp.objects.create(meetup=meetup, user=by, status=RsvpStatus.GOING)
        _recount(meetup)
        _cards_changed(meetup.proposal_id)
        _slack_card(meetup)
    return meetup


def _clean_hosts(first, others: Iterable) -> list:
    hosts = [first, *(user for user in others if user.pk != first.pk)]
    unique = list({user.pk: user for user in hosts}.values())
    if len(unique) > MAX_HOSTS:
        raise ValidationError({"co_hosts": _("At most %(n)d hosts, please.") % {"n": MAX_HOSTS}})
    return unique


def meetup_update(*, meetup: Meetup, by, hosts: Iterable | None = None, **changes) -> Meetup:
    """Hosts and moderators edit (`hosts`, when given, is the whole new list). Every edit raises
    the calendar's SEQUENCE; a new time tells everyone who answered; more seats let the waiting
    list in."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"meetup_update() cannot change {sorted(unknown)}")
    _refuse_nul(**changes)
    with transaction.atomic():
        locked = _lock(meetup)
        host_ids = set(locked.hosts.values_list("pk", flat=True))
        if not permissions.can_edit(by, locked, host_ids=host_ids):
            raise ActionNotPermitted(_("Only the hosts or a moderator can edit this meetup."))
        if locked.is_cancelled:
            raise ActionConflict(_("This meetup is cancelled; it can no longer be changed."))
        before = (locked.starts_at, locked.ends_at)
        proposal_before = locked.proposal_id
        for name, value in changes.items():
            if name == "reminder_minutes":
                value = _clean_reminders(value)
            elif name == "themes":
                value = _clean_themes(value)
            elif isinstance(value, str):
                value = value if name == "description" else value.strip()
            setattr(locked, name, value)
        locked.render()
        _check(
            locked,
            by=by,
            on_team=selectors.on_team(user=by, proposal=locked.proposal),
            proposal_changed=locked.proposal_id != proposal_before,
        )
        if locked.capacity is not None and locked.capacity < locked.going_count:
            # Nobody going is sent to the waiting list by an edit: they were promised a place.
            raise ValidationError(
                {
                    "capacity": _(
                        "%(going)d people are going already, so the capacity can't be less than "
                        "%(going)d. To make it smaller, ask some of them first."
                    )
                    % {"going": locked.going_count}
                }
            )
        if hosts is not None:
            hosts = list({user.pk: user for user in hosts}.values())
            if not hosts:
                raise ValidationError({"co_hosts": _("A meetup needs at least one host.")})
            if len(hosts) > MAX_HOSTS:
                raise ValidationError(
                    {"co_hosts": _("At most %(n)d hosts, please.") % {"n": MAX_HOSTS}}
                )
            locked.hosts.set(hosts)
        locked.sequence += 1
        locked.save()
        _cards_changed(proposal_before, locked.proposal_id)
        _take_off_left_out(locked)
        _fill_from_waitlist(locked)
        _slack_card(locked)
        if (locked.starts_at, locked.ends_at) != before:
            notify.record_event_for(
                kind=MeetupEventKind.MOVED,
                recipient_ids=selectors.answered_ids(meetup=locked),
                payload=_payload(locked),
                actor=by,
            )
    return locked


def _take_off_left_out(meetup: Meetup) -> None:
    """Under the meetup's lock, after an edit made it for the team only (or tied it to another
    proposal): the answers of people who may no longer see it are taken off, so they hold no
    seat and hear no reminder with its place, and they are told kindly (pointed at the other
    meetups, since this one's page is no longer theirs to open)."""
    left_out = selectors.answers_left_out(meetup=meetup)
    if not left_out:
        return
    answers = Rsvp.objects.filter(meetup=meetup, user_id__in=left_out)
    # Only those who meant to come hear of it (not someone who had said they can't).
    told = set(answers.exclude(status=RsvpStatus.CANT).values_list("user_id", flat=True))
    answers.delete()
    if told:
        notify.record_event_for(
            kind=MeetupEventKind.NARROWED,
            recipient_ids=told,
            payload={**_payload(meetup), "path": reverse("meetups:list")},
        )


def meetup_cancel(*, meetup: Meetup, by, note: str = "") -> Meetup:
    """Hosts and moderators cancel; everyone who answered hears of it."""
    note = (note or "").strip()
    _refuse_nul(note=note)
    if len(note) > 2000:
        raise ValidationError(
            {"note": _("The note can be at most %(n)d characters.") % {"n": 2000}}
        )
    with transaction.atomic():
        locked = _lock(meetup)
        host_ids = set(locked.hosts.values_list("pk", flat=True))
        if not permissions.can_edit(by, locked, host_ids=host_ids):
            raise ActionNotPermitted(_("Only the hosts or a moderator can cancel this meetup."))
        if locked.is_cancelled:
            raise ActionConflict(_("This meetup is already cancelled."))
        locked.status = MeetupStatus.CANCELLED
        locked.cancel_note = note
        locked.sequence += 1
        locked.save()
        _cards_changed(locked.proposal_id)
        _slack_card(locked)
        notify.record_event_for(
            kind=MeetupEventKind.CANCELLED,
            recipient_ids=selectors.answered_ids(meetup=locked),
            payload=_payload(locked) | {"note": note},
            actor=by,
        )
    return locked


# --- answers -------------------------------------------------------------------------------------


def _recount(meetup: Meetup) -> None:
    counts = Rsvp.objects.filter(meetup=meetup).aggregate(
        going=Count("pk", filter=Q(status=RsvpStatus.GOING)),
        waiting=Count("pk", filter=Q(status=RsvpStatus.WAITLISTED)),
        maybe=Count("pk", filter=Q(status=RsvpStatus.MAYBE)),
    )
    meetup.going_count = counts["going"]
    meetup.waitlist_count = counts["waiting"]
    meetup.maybe_count = counts["maybe"]
    Meetup.objects.filter(pk=meetup.pk).update(
        going_count=meetup.going_count,
        waitlist_count=meetup.waitlist_count,
        maybe_count=meetup.maybe_count,
    )


def _fill_from_waitlist(meetup: Meetup) -> list[Rsvp]:
    """Under the meetup's lock: let the first waiting in while there are seats, and tell them."""
    _recount(meetup)
    seats = meetup.seats_left
    if not meetup.waitlist_count or seats == 0:
        return []
    promoted = selectors.waitlist_head(
        meetup=meetup, count=meetup.waitlist_count if seats is None else seats
    )
    if not promoted:
        return []
    Rsvp.objects.filter(pk__in=[row.pk for row in promoted]).update(status=RsvpStatus.GOING)
    for row in promoted:
        row.status = RsvpStatus.GOING
    _recount(meetup)
    if meetup.status == MeetupStatus.SCHEDULED:
        notify.record_event_for(
            kind=MeetupEventKind.PROMOTED,
            recipient_ids={row.user_id for row in promoted},
            payload=_payload(meetup),
        )
    return promoted


def meetup_answer(*, meetup: Meetup, user, answer: str, remind: bool | None = False) -> Rsvp:
    """Going, maybe or can't. "Going" to a full meetup puts the person on the waiting list (in the
    order people asked); when someone going changes their mind, the first waiting moves up.
    People going hear the reminders; with "maybe", `remind` says whether they want them too (each
    "maybe" answer from the web form says it again; None, e.g. a button in Slack, keeps what they
    chose before; other answers clear it).

    The meetup's row is locked for the whole answer, so the number going never passes the
    capacity however many answer at once."""
    if answer not in Answer.values:
        raise ValidationError({"answer": _("Please choose going, maybe or can't.")})
    with transaction.atomic():
        locked = _lock(meetup)
        host_ids = set(locked.hosts.values_list("pk", flat=True))
        team = selectors.on_team(user=user, proposal=locked.proposal)
        if not permissions.can_see(user, locked, on_team=team, host_ids=host_ids):
            raise ActionNotPermitted(_("This meetup is for its proposal's team."))
        if not permissions.is_open_for_answers(locked):
            raise ActionConflict(
                _("This meetup is cancelled.")
                if locked.is_cancelled
                else _("This meetup is over; answers are closed.")
            )
        counts = (locked.going_count, locked.waitlist_count, locked.maybe_count)
        rsvp = Rsvp.objects.filter(meetup=locked, user=user).first()
        was_going = rsvp is not None and rsvp.status == RsvpStatus.GOING
        if remind is None:  # no say in it (a Slack button): what they chose before stands
            remind = rsvp is not None and rsvp.remind_if_maybe
        remind_if_maybe = answer == Answer.MAYBE and bool(remind)
        if (
            answer == Answer.GOING
            and rsvp
            and rsvp.status
            in (
                RsvpStatus.GOING,
                RsvpStatus.WAITLISTED,
            )
        ):
            return rsvp  # said again: nobody loses or gains a place
        if answer == Answer.GOING:
            going = Rsvp.objects.filter(meetup=locked, status=RsvpStatus.GOING).count()
            full = locked.capacity is not None and going >= locked.capacity
            status = RsvpStatus.WAITLISTED if full else RsvpStatus.GOING
        else:
            status = answer
        now = timezone.now()
        if rsvp is None:
            rsvp = Rsvp.objects.create(
                meetup=locked,
                user=user,
                status=status,
                answered_at=now,
                remind_if_maybe=remind_if_maybe,
            )
        elif rsvp.status != status:
            rsvp.status = status
            rsvp.answered_at = now
            rsvp.remind_if_maybe = remind_if_maybe
            rsvp.save(update_fields=["status", "answered_at", "remind_if_maybe"])
        elif rsvp.remind_if_maybe != remind_if_maybe:
            # "Maybe" again, asking for reminders or no longer: their place in time is kept.
            rsvp.remind_if_maybe = remind_if_maybe
            rsvp.save(update_fields=["remind_if_maybe"])
        if was_going and status != RsvpStatus.GOING:
            _fill_from_waitlist(locked)
        else:
            _recount(locked)
        if (locked.going_count, locked.waitlist_count, locked.maybe_count) != counts:
            _slack_card(locked)
    return rsvp


def meetup_mark_attendance(*, meetup: Meetup, by, user_id: int, attended: bool | None) -> Rsvp:
    """Hosts mark who came (for insight: meetup → cheer → join). Once it has started."""
    with transaction.atomic():
        locked = _lock(meetup)
        host_ids = set(locked.hosts.values_list("pk", flat=True))
        if not permissions.can_mark_attendance(by, locked, host_ids=host_ids):
            raise ActionNotPermitted(_("Only the hosts can mark who came, once it has started."))
        rsvp = Rsvp.objects.filter(meetup=locked, user_id=user_id).first()
        if rsvp is None:
            raise ActionConflict(_("This person did not answer the meetup."))
        rsvp.attended = attended
        rsvp.save(update_fields=["attended"])
    return rsvp


# --- calendars -----------------------------------------------------------------------------------


def meetup_feed_renew(*, user) -> CalendarFeed:
    """A new private calendar address; the previous one stops working."""
    with transaction.atomic():
        # The member's row, locked: two clicks at once (two tabs) make one address after the
        # other, never two live ones (a first address has no earlier row to lock).
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return CalendarFeed.objects.create(user=user, token=CalendarFeed.new_token())


def meetup_feed_revoke(*, user) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- reminders (beat) ----------------------------------------------------------------------------

# How far back beat still sends a reminder whose moment it missed (a worker down for a while).
REMINDER_GRACE = timedelta(minutes=30)


def meetup_reminders_send(*, now: datetime | None = None) -> int:
    """Remind people going, and those who said maybe and asked to be reminded (never those who
    can't come, nor those still waiting for a place), at each of the meetup's moments before it
    starts; once per person, meetup, moment and start time, however often beat runs."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=REMINDER_MAX_MINUTES)
    sent = 0
    candidates = Meetup.objects.filter(
        status=MeetupStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon
    )
    for meetup in candidates:
        for minutes in meetup.reminder_minutes or []:
            moment = meetup.starts_at - timedelta(minutes=minutes)
            if not moment <= now <= moment + REMINDER_GRACE:
                continue
            sent += _remind(meetup, minutes)
    return sent


def _remind(meetup: Meetup, minutes: int) -> int:
    going = selectors.reminder_recipient_ids(meetup=meetup)
    already = set(
        MeetupReminder.objects.filter(
            meetup=meetup, minutes_before=minutes, starts_at=meetup.starts_at
        ).values_list("user_id", flat=True)
    )
    count = 0
    for user_id in sorted(going - already):
        try:
            with transaction.atomic():
                MeetupReminder.objects.create(
                    meetup=meetup,
                    user_id=user_id,
                    minutes_before=minutes,
                    starts_at=meetup.starts_at,
                )
                notify.record_event_for(
                    kind=MeetupEventKind.REMINDER,
                    recipient_ids={user_id},
                    payload=_payload(meetup) | {"minutes_before": minutes},
                )
        except IntegrityError:
            continue  # another beat run reminded them first
        count += 1
    return count


# --- after the meetup (beat) ---------------------------------------------------------------------

# The people who came hear "anything you'd like to try?" this long after the end (time for hosts
# to mark who came), and no later than FOLLOW_UP_WITHIN after it: a worker that was down for days
# does not send stale thanks, and a meetup from long ago is never asked about.
FOLLOW_UP_AFTER = timedelta(hours=1)
FOLLOW_UP_WITHIN = timedelta(days=3)


# Beat's follow-up job runs every 15 minutes; a meetup that ended this recently gets its Slack
# card closed (no more buttons) by the next run.
CARD_CLOSE_WINDOW = timedelta(minutes=20)


def meetup_cards_close(*, now: datetime | None = None) -> int:
    """The Slack cards of community meetups that have just ended show them over, without
    buttons (marked for the relay; marking twice makes no second card). Returns how many."""
    now = now or timezone.now()
    ended = Meetup.objects.filter(
        status=MeetupStatus.SCHEDULED,
        visibility=Visibility.COMMUNITY,
        ends_at__lte=now,
        ends_at__gt=now - CARD_CLOSE_WINDOW,
    )
    count = 0
    for meetup in ended:
        with transaction.atomic():
            _slack_card(meetup)
        count += 1
    return count


def meetup_follow_ups_send(*, now: datetime | None = None) -> int:
    """After a meetup ends, ask each person who was going (or whom a host marked as came, and not
    those marked as not come) "anything you'd like to try?", with a link to the proposal form
    filled with the meetup's themes. Once per meetup however often beat runs, also two runs at the
    same moment: the meetup's row is locked and marked in the same transaction as the event.
    Returns how many meetups were followed up."""
    now = now or timezone.now()
    due = Meetup.objects.filter(
        status=MeetupStatus.SCHEDULED,
        follow_up_sent_at__isnull=True,
        ends_at__lte=now - FOLLOW_UP_AFTER,
        ends_at__gt=now - FOLLOW_UP_WITHIN,
    ).values_list("pk", flat=True)
    done = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                if _follow_up(pk, now=now):
                    done += 1
        except IntegrityError:
            continue  # another run recorded it first (the event's dedupe key is unique)
    return done


def _follow_up(pk: int, *, now: datetime) -> bool:
    locked = (
        Meetup.objects.select_for_update()
        .filter(pk=pk, follow_up_sent_at__isnull=True, status=MeetupStatus.SCHEDULED)
        .first()
    )
    if locked is None:
        return False  # another run took it, or it was cancelled meanwhile
    locked.follow_up_sent_at = now
    locked.save(update_fields=["follow_up_sent_at"])
    _slack_card(locked)  # over: its card closes its answers
    recipients = selectors.attendee_ids(meetup=locked)
    if recipients:
        notify.record_event_for(
            kind=FOLLOW_UP_EVENT,
            recipient_ids=recipients,
            payload=_payload(locked)
            | {"themes": list(locked.themes), "path": locked.follow_up_path()},
            dedupe_key=f"meetup-follow-up:{locked.pk}",
        )
    return True
