from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications import invitations

INVITE_SESSION_KEY = "invite_code"


class AccountAdapter(DefaultAccountAdapter):
    """Invite-only mode: sign-up is open only to someone who arrived with a valid invite code,
    or with an approved applicant's single-use invitation (applications.invitations), which
    opens sign-up for its own address only.

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
        if invitations.pending(request) is not None:
            return True
        if not settings.INVITE_ONLY:
            return True
        code = (request.GET.get("invite") or request.session.get(INVITE_SESSION_KEY) or "").strip()
        if code and code in settings.INVITE_CODES:
            request.session[INVITE_SESSION_KEY] = code
            return True
        return False

    def clean_email(self, email: str) -> str:
        """With an applicant's invitation, only the invited address signs up."""
        email = super().clean_email(email)
        match = getattr(self.request, "resolver_match", None)
        if match is None or match.url_name != "account_signup":
            return email  # a password reset or an added address is no sign-up
        application = invitations.pending(self.request)
        if application is not None and not invitations.is_for(application, email):
            raise ValidationError(
                gettext(
                    "This invitation is for %(email)s. Please sign up with that address, or ask "
                    "a moderator to invite this one."
                )
                % {"email": application.email}
            )
        return email

    def save_user(self, request, user, form, commit=True):
        """The account and the use of its invitation commit together: a link used meanwhile (in
        another tab) creates nothing."""
        if not commit or invitations.pending(request) is None:
            return super().save_user(request, user, form, commit=commit)
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            if not invitations.use(request, user=user):
                raise ImmediateHttpResponse(
                    render(
                        request,
                        "applications/link_problem.html",
                        {"message": gettext("This invitation has already been used.")},
                        status=409,
                    )
                )
        return user
