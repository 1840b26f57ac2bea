from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A member's saved language wins over the browser's, unless they just chose one with the switcher."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chose_explicitly = settings.LANGUAGE_COOKIE_NAME in request.COOKIES
        if user is not None and user.is_authenticated and not chose_explicitly:
            language = user.preferred_language
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
