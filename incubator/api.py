"""The JSON API v1: one NinjaAPI, routers from the apps. OpenAPI at /api/openapi.json, docs at /api/docs.

Send a personal token as `Authorization: Bearer <token>` (made on the settings page, or with
`manage.py create_api_token USERNAME`), or use the logged-in browser session, which must send its
CSRF token (`X-CSRFToken`) on writes.

Every error is JSON shaped like `{"message": "...", "details": {"field": ["..."]}}`: 400 for any input
that is not valid (malformed JSON, wrong types, values the domain refuses), 401 without a valid token
or session, 403 when the caller may not, 404 for unknown ids, 409 (with `allowed`) when the action is
not possible in the current state.
"""

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from members.api_auth import api_auth
from proposals.errors import ActionConflict, ActionNotPermitted

api = NinjaAPI(
    title="incubator API",
    version="1",
    description=__doc__.split("\n", 2)[2],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth,
)
api.add_router("/v1", "proposals.api.routes.router")
api.add_router("/v1", "proposals.api.board.router")
api.add_router("/v1", "insight.api.router")


def _error(request, status: int, message: str, details=None, **extra) -> HttpResponse:
    body = {"message": message, "details": details or {}, **extra}
    return api.create_response(request, body, status=status)


# Answers for what no endpoint handles: incubator/urls.py sends unknown paths under /api/ here, and
# incubator/api_middleware.py a wrong method, which Ninja itself answers in plain text.


@csrf_exempt
def unknown_path(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return not_found(request, Http404())


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    methods = sorted(allowed)
    answer = _error(
        request,
        405,
        _("This address does not take %(method)s; it takes %(allowed)s.")
        % {"method": request.method, "allowed": ", ".join(methods)},
        allowed=methods,
    )
    answer["Allow"] = ", ".join(methods)
    return answer


def _field_name(loc) -> str:
    # loc is ("body", "payload", "title"), ("query", "page"), ("path", "id") or ("header", ...).
    parts = [str(part) for part in loc[2:]] if loc and loc[0] == "body" else list(map(str, loc[1:]))
    return ".".join(parts) or "__all__"


def _schema_message(error: dict) -> str:
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    messages = {
        "missing": _("This field is required."),
        "string_too_long": _("At most %(n)s characters, please.") % {"n": ctx.get("max_length")},
        "too_long": _("At most %(n)s items, please.") % {"n": ctx.get("max_length")},
        "string_pattern_mismatch": _("Please write something (and no NUL characters)."),
        "string_type": _("Expected text."),
        "int_type": _("Expected a whole number."),
        "int_parsing": _("Expected a whole number."),
        "int_from_float": _("Expected a whole number."),
        "value_error": str(ctx.get("error", "")),
        "bool_parsing": _("Expected true or false."),
        "bool_type": _("Expected true or false."),
        "list_type": _("Expected a list."),
        "model_type": _("Expected an object."),
        "dict_type": _("Expected an object."),
        "model_attributes_type": _("Expected an object."),
        "greater_than_equal": _("Must be at least %(n)s.") % {"n": ctx.get("ge")},
        "less_than_equal": _("Must be at most %(n)s.") % {"n": ctx.get("le")},
        "literal_error": _("Expected one of: %(choices)s.") % {"choices": ctx.get("expected")},
        **dict.fromkeys(
            (
                "date_type",
                "date_parsing",
                "date_from_datetime_parsing",
                "date_from_datetime_inexact",
            ),
            _("Expected a date, e.g. 2030-04-30."),
        ),
    }
    return str(messages.get(kind, error.get("msg", _("Not valid."))))


@api.exception_handler(SchemaValidationError)
def schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    details: dict[str, list[str]] = {}
    for error in exc.errors:
        details.setdefault(_field_name(error.get("loc", ())), []).append(_schema_message(error))
    return _error(request, 400, _("Some fields need another look."), details)


@api.exception_handler(ValidationError)
def domain_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 400, _("Some fields need another look."), details)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("Please log in, or send a personal API token (Bearer)."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return _error(request, 400, _("The request body is not valid JSON."))
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return _error(request, 400, _("The request could not be read (too large or malformed)."))


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, _("Not found: it may have been removed, or the id is wrong."))


@api.exception_handler(ActionNotPermitted)
def not_permitted(request: HttpRequest, exc: ActionNotPermitted) -> HttpResponse:
    return _error(request, 403, exc.message)


@api.exception_handler(ActionConflict)
def conflict(request: HttpRequest, exc: ActionConflict) -> HttpResponse:
    return _error(request, 409, exc.message, allowed=[str(status) for status in exc.allowed])
