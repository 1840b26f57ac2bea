"""Small presentation helpers for proposal pages."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

from incubator.links import key_url

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A time span in words, in the active language ("3 days, 4 hours")."""
    if value is None:
        return ""
    now = timezone.now()
    return timesince(now - value, now, depth=1)


@register.filter
def coarse_duration(value: timedelta | None) -> str:
    """A span that is still growing, in whole days or more ("3 days"; under a day, "less than a
    day"). The board's ETag changes with the day, so a poll never keeps yesterday's count."""
    if value is None:
        return ""
    if value < timedelta(days=1):
        return gettext("less than a day")
    return duration(value)


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago `moment` was, as a coarse duration ("In this stage for 3 days")."""
    if moment is None:
        return ""
    return coarse_duration(timezone.now() - moment)


@register.filter
def profile_url(member) -> str:
    """`{{ comment.author|profile_url }}`: the member's profile, as `{% url 'members:profile'
    member.username %}` gives it, without resolving the URLconf for each of a page's people."""
    return key_url("members:profile")(member.username)
