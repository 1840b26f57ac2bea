from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

INVITE_SESSION_KEY = "invite_code"


class AccountAdapter(DefaultAccountAdapter):
    """Invite-only mode: sign-up is open only to someone who arrived with a valid invite code."""

    def is_open_for_signup(self, request) -> bool:
        if not settings.INVITE_ONLY:
            return True
        code = (request.GET.get("invite") or request.session.get(INVITE_SESSION_KEY) or "").strip()
        if code and code in settings.INVITE_CODES:
            request.session[INVITE_SESSION_KEY] = code
            return True
        return False
