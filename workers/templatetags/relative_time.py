"""Times as people say them: 「3分前」, "3 minutes ago"; the exact moment goes in a title."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()


@register.filter
def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago `moment` was, in its largest unit: "just now", "3 minutes ago", 「2日前」.

    A moment a little in the future (another machine's clock) is "just now" too.
    """
    if moment is None:
        return ""
    now = now or timezone.now()
    if now - moment < timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(delta)s ago") % {"delta": timesince(moment, now, depth=1)}
