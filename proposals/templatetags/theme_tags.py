"""{{ tag.name|theme_label }}: a built-in theme in the reader's language (stored in Japanese)."""

from django import template

from ..web.forms import theme_label as _theme_label

register = template.Library()


@register.filter
def theme_label(name: str) -> str:
    return _theme_label(name)
