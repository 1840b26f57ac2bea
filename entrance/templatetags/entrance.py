from django import template

from entrance.links import apply_url as _apply_url

register = template.Library()


@register.simple_tag
def apply_url() -> str:
    """Where "ask to join" leads (entrance.links)."""
    return _apply_url()
