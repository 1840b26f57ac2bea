"""Small presentation helpers for proposal pages."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A time span in words, in the active language ("3 days, 4 hours")."""
    if value is None:
        return ""
    now = timezone.now()
    return timesince(now - value, now, depth=1)
