"""The proposal page's team and timeline lists as HTML, written in Python.

The page lists up to a few dozen people on the team and twenty timeline lines; as template loops
each line cost about as much as a comment did (a filter, a translation tag and half a dozen
lookups), together a third of the page's template time. As in comment_html.py, every value is
escaped exactly as `{{ value }}` would escape it, and the markup is the one the template had.
"""

from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from incubator.links import key_url

from .html import esc


def team_html(team, *, shows_untils: bool) -> SafeString:
    """The team's `<li>`s (memberships, or selectors.TeamPlace): each person linked to their
    profile, with their role (or "proposer") and, for those who may see it, the day their time
    offered ends."""
    profile, proposer, until = key_url("members:profile"), _("proposer"), _("until %(day)s")
    items = []
    for membership in team:
        person = membership.user
        role = proposer if membership.is_proposer else membership.role
        ends = ""
        if membership.until and shows_untils:
            day = formats.date_format(membership.until, "DATE_FORMAT")
            ends = f" · {esc(until % {'day': day})}"
        items.append(
            f'<li><a href="{esc(profile(person.username))}">{esc(person.public_name)}</a>\n'
            f'  <span class="muted">{esc(role)}{ends}</span></li>\n'
        )
    return mark_safe("".join(items))


def timeline_html(entries) -> SafeString:
    """The timeline's `<li>`s (web.views.TimelineView), oldest first."""
    items = []
    for entry in entries:
        at = timezone.localtime(entry.at)
        text = esc(entry.text)
        if entry.anchor:
            text = f'<a href="#{esc(entry.anchor)}">{text}</a>'
        note = f"<q>{esc(entry.note)}</q>" if entry.note else ""
        items.append(
            f'<li class="timeline-{esc(entry.kind)}">\n'
            f'  <time datetime="{at.isoformat()}">'
            f"{esc(formats.date_format(at, 'SHORT_DATE_FORMAT'))}</time>\n"
            f"  {text}\n  {note}\n</li>\n"
        )
    return mark_safe("".join(items))
