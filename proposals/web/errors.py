"""The web's one mapping from domain errors to responses (the API's is in incubator/api.py,
Slack's in slack_app): a refusal is a 403 page, a conflict goes back to where the person was with
the reason, and a form's own errors are shown on the form by the view."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from ..errors import ActionConflict, ActionNotPermitted, ProposalError
from ..models import Comment, Membership


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "403.html", {"message": message}, status=403)


def back_to(
    request: HttpRequest, proposal_id: int, anchor: str = "", *, everything: bool = False
) -> HttpResponse:
    """To the proposal page; `everything` shows the whole discussion (for an earlier comment)."""
    url = reverse("proposals:detail", args=[proposal_id]) + ("?all=1" if everything else "")
    url += f"#{anchor}" if anchor else ""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def described(error: ProposalError | ValidationError) -> tuple[int, str]:
    """The HTTP status and the words for a person, for answers that are not a page (the board's
    drop endpoint)."""
    if isinstance(error, ActionNotPermitted):
        return 403, error.message
    if isinstance(error, ActionConflict):
        return 409, error.message
    return 400, " ".join(error.messages)


def _proposal_of(kwargs: dict) -> int | None:
    if "pk" in kwargs:
        return kwargs["pk"]
    if "membership_id" in kwargs:
        found = Membership.objects.filter(pk=kwargs["membership_id"])
    elif "comment_id" in kwargs:
        found = Comment.objects.filter(pk=kwargs["comment_id"])
    else:
        return None
    return found.values_list("proposal_id", flat=True).first()


def domain_errors(view):
    """Refusals become a 403 page; conflicts go back to the proposal, which shows the truth."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ActionNotPermitted as error:
            return forbidden(request, error.message)
        except ActionConflict as error:
            messages.warning(request, error.message)
            proposal_id = _proposal_of(kwargs)
            if proposal_id is None:
                return redirect("proposals:list")
            return back_to(request, proposal_id, "team" if "membership_id" in kwargs else "")

    return wrapper
