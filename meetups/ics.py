"""Meetups as iCalendar (RFC 5545): one event per meetup, times in UTC (a calendar app shows them
in its own zone), a UID that never changes and the meetup's SEQUENCE, so an app that imported it
replaces its copy when the meetup moves or is cancelled. Pure functions of what the caller read."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .models import Meetup

PRODID = "-//incubator//meetups//EN"


@dataclass(frozen=True)
class Entry:
    meetup: Meetup
    # The online link, only when the calendar's reader may see it.
    online_url: str = ""
    # The community feed is read by anyone with its address: it says when and where, and links
    # to the page for the rest.
    with_description: bool = True


def uid(meetup: Meetup) -> str:
    return f"meetup-{meetup.uid}@incubator"


def page_url(meetup: Meetup) -> str:
    return settings.SITE_URL.rstrip("/") + meetup.get_absolute_url()


def _location(entry: Entry) -> str:
    return entry.meetup.place or entry.online_url


def _description(entry: Entry) -> str:
    parts = [entry.meetup.description.strip() if entry.with_description else ""]
    if entry.online_url:
        parts.append(entry.online_url)
    parts.append(page_url(entry.meetup))
    return "\n\n".join(part for part in parts if part)


def _event(entry: Entry, *, stamp: datetime) -> CalendarEvent:
    meetup = entry.meetup
    event = CalendarEvent()
    event.add("uid", uid(meetup))
    event.add("dtstamp", stamp)
    event.add("dtstart", meetup.starts_at.astimezone(UTC))
    event.add("dtend", meetup.ends_at.astimezone(UTC))
    event.add("summary", meetup.title)
    event.add("description", _description(entry))
    if location := _location(entry):
        event.add("location", location)
    event.add("url", page_url(meetup))
    event.add("sequence", meetup.sequence)
    event.add("status", "CANCELLED" if meetup.is_cancelled else "CONFIRMED")
    event.add("last-modified", meetup.updated_at.astimezone(UTC))
    return event


def calendar(entries: Iterable[Entry], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC)
    for entry in entries:
        cal.add_component(_event(entry, stamp=stamp))
    return cal.to_ical()


def google_calendar_url(entry: Entry) -> str:
    """Google Calendar's "add an event" address, filled in from the meetup."""
    meetup = entry.meetup

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": meetup.title,
        "dates": f"{stamp(meetup.starts_at)}/{stamp(meetup.ends_at)}",
        "details": _description(entry)[:1500],
        "location": _location(entry),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
