from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import is_former_member

INVITE_SESSION_KEY = "invite_code"


class AccountAdapter(DefaultAccountAdapter):
    """Invite-only mode: sign-up is open only to someone who arrived with a valid invite code.

    The errors people meet most on the sign-in pages are worded the community's way.
    """

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _(
            "That username and password don’t match. Please check them and try again."
        ),
        "email_password_mismatch": _(
            "That email address and password don’t match. Please check them and try again."
        ),
        "too_many_login_attempts": _(
            "That was quite a few tries in a row, so let’s take a short break. "
            "Please try again in a little while."
        ),
        "rate_limited": _("That was a lot at once. Please wait a moment and try again."),
        "email_taken": _(
            "This email address already has an account. If it is yours, you can log in, "
            "or choose a new password from the login page."
        ),
        "username_taken": _("This username is already taken. How about another one?"),
        "enter_current_password": _("That is not your current password. Please try again."),
        "incorrect_password": _("That password is not quite right. Please try again."),
        "duplicate_email": _("This email address is already on your account."),
        "cannot_remove_primary_email": _(
            "This is your primary address, so it stays. Make another address primary first."
        ),
        "unverified_primary_email": _(
            "Please confirm the address first, then it can be your primary one."
        ),
        "account_inactive": _("This account cannot log in at the moment."),
    }

    def is_open_for_signup(self, request) -> bool:
        if not settings.INVITE_ONLY:
            return True
        code = (request.GET.get("invite") or request.session.get(INVITE_SESSION_KEY) or "").strip()
        if code and code in settings.INVITE_CODES:
            request.session[INVITE_SESSION_KEY] = code
            return True
        return False

    def get_signup_redirect_url(self, request) -> str:
        """After any sign-up, the first steps (each skippable), then the suited board."""
        return reverse("members:onboarding")

    def clean_username(self, username, shallow=False):
        """The former members' usernames are kept for anonymised accounts (member_delete)."""
        if is_former_member((username or "").lower()):
            raise forms.ValidationError(_("This username is already taken. How about another one?"))
        return super().clean_username(username, shallow=shallow)
