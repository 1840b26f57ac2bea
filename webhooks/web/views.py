"""The moderators' webhook pages. Thin: check, parse, call the service or selector, render."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals.web.errors import forbidden
from proposals.web.forms import apply_service_errors

from .. import permissions, selectors, services
from ..kinds import kind_label
from ..models import Endpoint
from .forms import EndpointForm


def moderators_only(view):
    """Signed in and a moderator; anyone else is told plainly that the page is not for them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if not permissions.can_manage_webhooks(request.user):
            return forbidden(request, _("This page is for the community's moderators."))
        return view(request, *args, **kwargs)

    return wrapper


def _endpoint_or_404(pk: int) -> Endpoint:
    endpoint = selectors.endpoint(pk=pk)
    if endpoint is None:
        raise Http404
    return endpoint


def _detail(pk: int) -> HttpResponse:
    return redirect("webhooks:detail", pk=pk)


@require_GET
@moderators_only
def endpoint_list(request: HttpRequest) -> HttpResponse:
    rows = [
        (endpoint, [kind_label(kind) for kind in endpoint.events])
        for endpoint in selectors.endpoints()
    ]
    return render(request, "webhooks/list.html", {"rows": rows})


def _render_form(request, form, *, endpoint=None, status=200) -> HttpResponse:
    return render(
        request, "webhooks/form.html", {"form": form, "endpoint": endpoint}, status=status
    )


def _render_detail(request, endpoint: Endpoint, *, new_secret: str = "") -> HttpResponse:
    before = request.GET.get("before", "")
    log = selectors.delivery_log(
        endpoint=endpoint,
        before=int(before) if before.isascii() and before.isdigit() and len(before) <= 18 else None,
    )
    context = {
        "endpoint": endpoint,
        "events": [kind_label(kind) for kind in endpoint.events],
        "log": log,
        "new_secret": new_secret,
        "now": timezone.now(),
        "max_attempts": settings.WEBHOOKS_MAX_ATTEMPTS,
        "disable_after": settings.WEBHOOKS_DISABLE_AFTER_FAILURES,
    }
    return render(request, "webhooks/detail.html", context)


@require_http_methods(["GET", "POST"])
@moderators_only
def endpoint_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_form(request, EndpointForm())
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            messages.success(request, _("The webhook is on. Copy its secret now."))
            return _render_detail(request, selectors.endpoint(pk=endpoint.pk), new_secret=secret)
    return _render_form(request, form, status=400)


@require_GET
@moderators_only
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _endpoint_or_404(pk))


@require_http_methods(["GET", "POST"])
@moderators_only
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    if request.method == "GET":
        return _render_form(request, EndpointForm.for_endpoint(endpoint), endpoint=endpoint)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            messages.success(request, _("Saved. The next events go out with these settings."))
            return _detail(pk)
    return _render_form(request, form, endpoint=endpoint, status=400)


@require_POST
@moderators_only
def secret_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    keep_old = request.POST.get("keep_old") == "1"
    secret = services.endpoint_secret_rotate(endpoint=endpoint, by=request.user, keep_old=keep_old)
    if keep_old:
        messages.success(
            request,
            _(
                "A new secret is in use from now on; the old one keeps working for 24 hours. Copy "
                "the new one now and give it to the receiver."
            ),
        )
    else:
        messages.success(
            request,
            _("A new secret is in use from now on. Copy it now and give it to the receiver."),
        )
    return _render_detail(request, endpoint, new_secret=secret)


@require_POST
@moderators_only
def endpoint_ping(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    try:
        services.endpoint_ping(endpoint=endpoint, by=request.user)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("A test event is on its way. Its answer appears in the log below.")
        )
    return _detail(pk)


@require_POST
@moderators_only
def endpoint_turn_off(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    if services.endpoint_turn_off(endpoint=endpoint, by=request.user):
        messages.success(
            request, _("The webhook is off. Nothing is sent to it until you turn it on.")
        )
    return _detail(pk)


@require_POST
@moderators_only
def endpoint_turn_on(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    resent = services.endpoint_turn_on(
        endpoint=endpoint, by=request.user, resend_failed=request.POST.get("resend") == "1"
    )
    if resent:
        messages.success(
            request,
            ngettext(
                "The webhook is on again, and %(count)d delivery is on its way again.",
                "The webhook is on again, and %(count)d deliveries are on their way again.",
                resent,
            )
            % {"count": resent},
        )
    else:
        messages.success(request, _("The webhook is on again."))
    return _detail(pk)


@require_POST
@moderators_only
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    services.endpoint_delete(endpoint=endpoint, by=request.user)
    messages.success(request, _("The webhook “%(name)s” is deleted.") % {"name": endpoint.name})
    return redirect("webhooks:list")


@require_POST
@moderators_only
def delivery_retry(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(pk)
    try:
        retried = services.delivery_retry(
            endpoint=endpoint, by=request.user, delivery_id=delivery_id
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return _detail(pk)
    if retried:
        messages.success(request, _("It is on its way again."))
    else:
        messages.warning(request, _("Nothing to retry: that one was delivered or is being sent."))
    return _detail(pk)
