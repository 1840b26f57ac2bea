"""Sign in with Slack: django-allauth's OpenID Connect provider pointed at Slack, one workspace only.

Slack's `team` authorize parameter only pre-selects a workspace in the browser, so the workspace is
checked here, on the server, from the identity Slack returned. A successful sign-in also links the
member's Slack user id (members.services.slack_link), which turns on mentions in proposal threads
and acting from Slack. The social account's uid is Slack's `sub` claim, the Slack user id.

A Slack id belongs to one member. When another member holds it, every path here says so and
changes nothing: a sign-up is refused before any account exists, a connect from settings adds no
social account, and an existing member's sign-in goes ahead without moving the id.
"""

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.signals import social_account_added
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import selectors, services
from .adapters import AccountAdapter

SLACK_PROVIDER = services.SLACK_PROVIDER
TEAM_CLAIM = "https://slack.com/team_id"
USER_CLAIM = "https://slack.com/user_id"


def slack_identity(extra_data: dict) -> dict:
    """The claims Slack sent (allauth keeps userinfo and the id token side by side)."""
    return extra_data.get("userinfo") or extra_data.get("id_token") or extra_data


def slack_user_id_of(sociallogin) -> str:
    identity = slack_identity(sociallogin.account.extra_data)
    return str(identity.get(USER_CLAIM) or identity.get("sub") or "")


def _first_message(error: ValidationError) -> str:
    return error.messages[0]


def _refuse_taken(request, *, connecting: bool):
    if connecting:
        messages.error(request, _("This Slack account is already linked to another member."))
        raise ImmediateHttpResponse(redirect("members:settings"))
    messages.error(
        request,
        _(
            "This Slack account is already linked to a member. If that is you, sign in with "
            "your username and password, then connect Slack in your settings."
        ),
    )
    raise ImmediateHttpResponse(redirect("account_login"))


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
        slack_user_id = slack_user_id_of(sociallogin)
        connecting = sociallogin.state.get("process") == AuthProcess.CONNECT
        if sociallogin.is_existing:
            if connecting and sociallogin.user != request.user:
                return  # allauth answers: this Slack account is connected to another member
            # Signing in again: the member behind this Slack account gets its id back if it
            # moved; if someone else holds it meanwhile, the sign-in still goes ahead.
            try:
                services.slack_link(user=sociallogin.user, slack_user_id=slack_user_id)
            except ValidationError as error:
                messages.warning(request, _first_message(error))
            return
        owner = request.user if connecting and request.user.is_authenticated else None
        if selectors.slack_account_holder(slack_user_id=slack_user_id, exclude=owner):
            _refuse_taken(request, connecting=connecting)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if sociallogin.account.provider == SLACK_PROVIDER:
            identity = slack_identity(sociallogin.account.extra_data)
            user.slack_user_id = slack_user_id_of(sociallogin)
            user.display_name = (identity.get("name") or "")[:80]
        return user

    def save_user(self, request, sociallogin, form=None):
        """A new member from Slack. The id may have been linked to someone else since the sign-in
        began (a sign-up form in between, or a race): then no account is made."""
        user = sociallogin.user
        slack_user_id = user.slack_user_id if sociallogin.account.provider == SLACK_PROVIDER else ""
        if slack_user_id and selectors.slack_account_holder(slack_user_id=slack_user_id):
            _refuse_taken(request, connecting=False)
        try:
            with transaction.atomic():
                return super().save_user(request, sociallogin, form)
        except IntegrityError:
            if slack_user_id and selectors.slack_account_holder(slack_user_id=slack_user_id):
                _refuse_taken(request, connecting=False)
            raise

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return AccountAdapter(request).is_open_for_signup(request)


@receiver(social_account_added)
def link_slack_user_id(request, sociallogin, **kwargs) -> None:
    """An existing member connected Slack from their settings page."""
    if sociallogin.account.provider != SLACK_PROVIDER:
        return
    try:
        services.slack_link(user=sociallogin.user, slack_user_id=slack_user_id_of(sociallogin))
    except ValidationError as error:
        messages.error(request, _first_message(error))
