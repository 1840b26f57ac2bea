"""A wrong method on an API address answers JSON, like every other API error.

Ninja answers it with Django's plain-text `HttpResponseNotAllowed`, and offers no public hook to
change that; this middleware turns that response, for views of the API's URL namespace only, into
the API's own JSON 405 (incubator/api.py), keeping the `Allow` header.
"""

from django.http import HttpRequest, HttpResponseNotAllowed

from .api import api, method_not_allowed


class ApiMethodNotAllowedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and _in_api(request):
            allowed = [method.strip() for method in response["Allow"].split(",")]
            return method_not_allowed(request, allowed)
        return response


def _in_api(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and api.urls_namespace in match.namespaces
