"""Introductions' pages: a member's own introductions (and their answer), the organisers' counts.
Thin: parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import permissions, selectors, services
from ..choices import Answer
from ..errors import NotYourIntroduction


def _mine(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "introductions": selectors.member_introductions(member=request.user),
        "answers": Answer.choices,
        "choice": request.user.get_introductions_display(),
        "may_see_counts": permissions.may_see_counts(request.user),
        "error": error,
    }
    return render(request, "introductions/mine.html", context, status=status)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return _mine(request)


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Did you get to talk?" from the page (or the email's link to it)."""
    try:
        services.introduction_answer(
            introduction_id=pk, member=request.user, answer=request.POST.get("answer", "")
        )
    except NotYourIntroduction:
        raise Http404 from None
    except ValidationError as error:
        return _mine(request, error=error.messages[0], status=400)
    messages.success(request, _("Thank you! Your answer is saved."))
    return redirect(reverse("introductions:mine") + f"#introduction-{pk}")


@login_required
@require_GET
def counts(request: HttpRequest) -> HttpResponse:
    """For the organisers: each round in numbers, never who met whom."""
    if not permissions.may_see_counts(request.user):
        return render(
            request,
            "403.html",
            {"message": _("Only moderators can see how the introductions go.")},
            status=403,
        )
    return render(request, "introductions/counts.html", {"rounds": selectors.round_counts()})
