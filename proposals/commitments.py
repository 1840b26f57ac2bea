"""Commitments with an end (issue 13): joining, or accepting an invitation, a member may offer
their time until a day: about 1, 3 or 6 months, or a day they choose (or no end at all).

A week before that day they are asked, once, whether to continue (a new day, the same choices) or
to finish there with thanks. Without an answer they are reminded once, on the day itself, and
then nothing more: nobody is taken off a team for not answering. The dates are the community's
(settings.TIME_ZONE): beat asks in the day, whatever the member's own zone.
"""

import calendar
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The question comes this many days before the end.
ASK_DAYS_BEFORE = 7
# A day further ahead than this is surely a slip (continuing later is always possible).
UNTIL_MAX_DAYS = 2 * 366
# "About N months", offered on every form and as Slack's buttons.
MONTH_CHOICES = (1, 3, 6)


def months_after(day: date, months: int) -> date:
    """The same day of the month `months` later (the month's last day when it has fewer)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def continue_from(until: date | None, today: date) -> date:
    """What "N more months" counts from: the end planned so far, or today once it has passed."""
    return max(until, today) if until else today


def check_until(until: date | None, *, today: date) -> date | None:
    """The end a member chose, or a ValidationError (under "until") saying what to change."""
    if until is None:
        return None
    if isinstance(until, datetime) or not isinstance(until, date):
        raise ValidationError({"until": _("Please give a date, e.g. 2030-04-30.")})
    if until <= today:
        raise ValidationError({"until": _("Please choose a day after today.")})
    if until > today + timedelta(days=UNTIL_MAX_DAYS):
        raise ValidationError(
            {
                "until": _(
                    "Please choose a day within the next two years. You can always continue later."
                )
            }
        )
    return until


def in_question_window(until: date, today: date) -> bool:
    """Whether the question about `until` is due (a week before, or later)."""
    return until <= today + timedelta(days=ASK_DAYS_BEFORE)
