"""What the sign-in pages need to know to tell the truth: whether sign-up is open to this visitor."""

from allauth.account.adapter import get_adapter
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def signup_is_open(context) -> bool:
    request = context.get("request")
    return request is not None and get_adapter(request).is_open_for_signup(request)
