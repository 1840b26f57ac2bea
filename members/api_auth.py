"""How the JSON API knows who is calling: a personal token, or the browser's session (with CSRF)."""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .models import User
from .services import api_token_authenticate

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer inc_…`, a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token.strip())
        if user is not None and user.preferred_language:
            # As on the pages (members.middleware): a member's saved language wins.
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser. Unsafe methods must carry the CSRF token, as the pages' forms do.

    Ninja's own SessionAuth checks CSRF before it knows who is calling, so an anonymous POST would
    get 403; here anonymous callers always get 401 and only a real session is held to CSRF.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method in UNSAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, _("The security check failed: reload the page and try again."))
        return user


api_auth = [TokenAuth(), SessionAuth()]
