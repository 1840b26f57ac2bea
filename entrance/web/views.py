"""The pages visitors see: the public page, a public proposal's page, the privacy page; and the
moderators' page for the texts on them. Thin: read through the selectors, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from proposals.web import board
from proposals.web.errors import forbidden
from proposals.web.forms import apply_service_errors

from .. import permissions, selectors, services
from ..choices import TEXT_LANGUAGES, TextKind
from .forms import CommunityTextForm

OG_DESCRIPTION_MAX = 200
OG_IMAGE = "img/og-card.png"  # 1200×630, as the templates/entrance/_og.html tags say


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _open_graph(*, title: str, description: str, path: str, kind: str = "website") -> dict:
    """The card a shared link shows (Open Graph, Twitter's large summary card): only ever built
    from what visitors may see. Its picture is the community's own (static/img/og-card.png,
    made by deploy/og/render.py), the same for every page: nothing of a proposal is drawn."""
    image = static(OG_IMAGE)
    return {
        "title": title,
        "description": " ".join(description.split())[:OG_DESCRIPTION_MAX],
        "url": _absolute(path),
        "type": kind,
        "image": image if image.startswith(("https://", "http://")) else _absolute(image),
        "image_alt": _("incubator: “I’d like to try this”, at your own pace, together"),
    }


def _for_visitors(response: HttpResponse) -> HttpResponse:
    # The same address shows the board to members: a shared cache must keep them apart.
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def _public_page(request: HttpRequest, *, path: str) -> HttpResponse:
    context = {
        "about": selectors.community_text(kind=TextKind.ABOUT),
        "proposals": selectors.public_proposals(page=request.GET.get("page")),
        "meetups": selectors.public_meetups(),
        "can_edit": permissions.can_edit_texts(request.user),
        "og": _open_graph(
            title=_("incubator: ideas we are trying together"),
            description=_(
                "A community where people who want to do what they can for society turn "
                "“I’d like to try this” into something real, together, at their own pace."
            ),
            path=path,
        ),
    }
    return _for_visitors(render(request, "entrance/public.html", context))


@require_safe  # link previews may ask with HEAD
def home(request: HttpRequest) -> HttpResponse:
    """`/`: members land on the board, as ever; visitors on the public page. The board's own
    htmx requests (its poll, after a session ended) still go to the board, which asks to log in."""
    if request.user.is_authenticated or request.headers.get("HX-Request"):
        return board.board(request)
    return _public_page(request, path=reverse("proposals:board"))


@require_safe
def public_page(request: HttpRequest) -> HttpResponse:
    """The public page at an address of its own, so members (moderators writing its text) see
    exactly what visitors see."""
    return _public_page(request, path=reverse("proposals:board"))


@require_safe
def public_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    """A public proposal's own page. Not public and missing are the same 404."""
    proposal = selectors.public_proposal(pk=pk)
    if proposal is None:
        raise Http404
    context = {
        "proposal": proposal,
        "og": _open_graph(
            title=proposal.title, description=proposal.summary, path=proposal.url, kind="article"
        ),
    }
    return _for_visitors(render(request, "entrance/proposal.html", context))


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "text": selectors.community_text(kind=TextKind.PRIVACY),
        "can_edit": permissions.can_edit_texts(request.user),
    }
    return _for_visitors(render(request, "entrance/privacy.html", context))


@login_required
@require_http_methods(["GET", "POST"])
def text_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """Moderators write a visitors' text in Japanese and English."""
    if kind not in TextKind.values:
        raise Http404
    if not permissions.can_edit_texts(request.user):
        return forbidden(request, _("Only moderators can edit the texts visitors read."))
    saved = selectors.text_for_editing(kind=kind)
    if request.method == "GET":
        form = CommunityTextForm(initial={"body_ja": saved.body_ja, "body_en": saved.body_en})
        return _edit_page(request, kind, form)
    form = CommunityTextForm(request.POST)
    if form.is_valid():
        try:
            services.community_text_update(
                kind=kind,
                by=request.user,
                body_ja=form.cleaned_data["body_ja"],
                body_en=form.cleaned_data["body_en"],
            )
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            messages.success(request, _("Saved. Visitors see the new text now."))
            return redirect("entrance:text_edit", kind=kind)
    return _edit_page(request, kind, form, status=400)


def _edit_page(request, kind: str, form, *, status: int = 200) -> HttpResponse:
    shown_at = reverse("entrance:privacy" if kind == TextKind.PRIVACY else "entrance:public")
    context = {
        "form": form,
        "kind": kind,
        "kind_label": TextKind(kind).label,
        "kinds": TextKind.choices,
        "shown_at": shown_at,
        "defaults": {
            code: selectors.default_text_html(kind=kind, language=code) for code in TEXT_LANGUAGES
        },
    }
    return render(request, "entrance/text_edit.html", context, status=status)
