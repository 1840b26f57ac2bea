"""A new member, however they signed up (an invite code, an invitation link, Sign in with
Slack): allauth says so once, and the community welcomes them."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from . import services


@receiver(user_signed_up)
def welcome_new_member(request, user, **kwargs) -> None:
    services.member_arrived(user=user)
