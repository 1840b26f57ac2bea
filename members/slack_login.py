"""Sign in with Slack: django-allauth's OpenID Connect provider pointed at Slack, one workspace only.

Slack's `team` authorize parameter only pre-selects a workspace in the browser, so the workspace is
checked here, on the server, from the identity Slack returned. A successful sign-in also links the
member's Slack user id, which turns on mentions in proposal threads and acting from Slack.
"""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.signals import social_account_added
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .adapters import AccountAdapter

SLACK_PROVIDER = "slack"
TEAM_CLAIM = "https://slack.com/team_id"
USER_CLAIM = "https://slack.com/user_id"


def slack_identity(extra_data: dict) -> dict:
    """The claims Slack sent (allauth keeps userinfo and the id token side by side)."""
    return extra_data.get("userinfo") or extra_data.get("id_token") or extra_data


class SlackAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.account.provider != SLACK_PROVIDER:
            return
        identity = slack_identity(sociallogin.account.extra_data)
        if not settings.SLACK_TEAM_ID or identity.get(TEAM_CLAIM) != settings.SLACK_TEAM_ID:
            messages.error(
                request,
                _("That Slack workspace isn't our community's. Please sign in with its workspace."),
            )
            raise ImmediateHttpResponse(redirect("account_login"))
        slack_user_id = identity.get(USER_CLAIM) or identity.get("sub", "")
        user = sociallogin.user
        if sociallogin.is_existing and user.slack_user_id != slack_user_id:
            user.slack_user_id = slack_user_id
            user.save(update_fields=["slack_user_id"])

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if sociallogin.account.provider == SLACK_PROVIDER:
            identity = slack_identity(sociallogin.account.extra_data)
            user.slack_user_id = identity.get(USER_CLAIM) or identity.get("sub", "")
            user.display_name = (identity.get("name") or "")[:80]
        return user

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return AccountAdapter(request).is_open_for_signup(request)


@receiver(social_account_added)
def link_slack_user_id(request, sociallogin, **kwargs) -> None:
    """An existing member connected Slack from their settings page."""
    if sociallogin.account.provider != SLACK_PROVIDER:
        return
    identity = slack_identity(sociallogin.account.extra_data)
    user = sociallogin.user
    user.slack_user_id = identity.get(USER_CLAIM) or identity.get("sub", "")
    user.save(update_fields=["slack_user_id"])
