from django.conf import settings
from django.utils import timezone, translation


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


class UserTimeZoneMiddleware:
    """Times on pages (meetups, notifications) are shown, and typed times read, in the member's own
    zone; signed out, or with none chosen, in the community's (settings.TIME_ZONE). After
    AuthenticationMiddleware. The zone is put back after each request, so a thread that serves the
    next person starts from the community's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = user.zone if user is not None and user.is_authenticated else None
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
