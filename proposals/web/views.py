"""Proposal pages. Thin: parse a form, call a service or selector, render; htmx gets a partial."""

import uuid
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from meetups.permissions import can_tie_to_proposal
from meetups.selectors import next_meetup_for, next_meetups_for
from members.suggestions import people_for_proposal

from .. import origins, permissions, selectors, services
from ..choices import MembershipStatus, Status
from ..commitments import continue_from
from ..errors import ActionConflict, ActionNotPermitted
from ..markdown import render_markdown
from ..models import BODY_MAX, Comment, Invitation, Membership, Proposal, Tag
from ..templatetags.cards import card_facts, role_slots
from ..wording import join_names
from .card_html import ListPage, list_card_html
from .comment_html import comments_html
from .detail_html import team_html, timeline_html
from .errors import back_to, domain_errors, forbidden
from .forms import (
    CommentForm,
    CommitmentForm,
    DecisionForm,
    JoinForm,
    ListFilterForm,
    PreviewForm,
    ProposalForm,
    RoleFormSet,
    TransitionForm,
    UntilForm,
    apply_service_errors,
)

PROPOSAL_FIELDS = {"tags": "free_themes"}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _suggested_themes() -> list[str]:
    return list(Tag.objects.filter(suggested=True).values_list("name", flat=True))


# The list


def list_cards_html(request: HttpRequest, cards) -> list[SafeString]:
    """The page's cards (selectors.list_cards), written by card_html like the board's."""
    page = ListPage(
        needs_people=_("Needs people"),
        looking_for=_("Looking for:"),
        themes_label=_("Themes"),
        list_url=reverse("proposals:list"),
        next_meetup=_("Next meetup:"),
        meetups=next_meetups_for([proposal.pk for proposal, _roles in cards], user=request.user),
    )
    return [
        list_card_html(
            proposal, roles=role_slots(roles), facts=card_facts(proposal, request.user), page=page
        )
        for proposal, roles in cards
    ]


@login_required
@require_GET
def proposal_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every proposal, filtered as the board filters (same names, same meanings), plus the stage."""
    filter_form = ListFilterForm(request.GET)
    filters = selectors.BoardFilters.from_params(filter_form.board_params())
    proposals = selectors.filter_proposals(
        selectors.listed(user=request.user, status=filter_form.stage),
        user=request.user,
        theme=filters.theme,
        q=filters.q,
        mine=filters.mine,
        looking=filters.looking,
        interests=filters.interests,
    )
    page = Paginator(proposals, settings.PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "cards": list_cards_html(request, selectors.list_cards(page.object_list)),
        "is_filtered": bool(filter_form.stage or filters.as_params()),
    }
    if request.htmx:
        return render(request, "proposals/list.html#results", context)
    context |= {
        "filters": filters,
        "stage": filter_form.stage or "",
        "stages": Status.choices,
        "themes": selectors.board_themes(user=request.user),
    }
    return render(request, "proposals/list.html", context)


# Submit and edit


def _preview(request: HttpRequest) -> str:
    """The form's own Preview button (without JavaScript): the text as others will see it."""
    return render_markdown(request.POST.get("body", "")[:BODY_MAX])


def _render_form(request, form, roles, *, proposal=None, preview=None, status=200):
    context = {"form": form, "roles": roles, "proposal": proposal, "preview": preview}
    return render(request, "proposals/form.html", context, status=status)


def _redraw(request, form, roles, *, proposal=None) -> HttpResponse | None:
    """Preview, or "add another role" without JavaScript: the form again, unchecked, nothing saved."""
    if "preview" in request.POST:
        draft = roles.draft()
        return _render_form(
            request, form.draft(), draft, proposal=proposal, preview=_preview(request)
        )
    if "add_role" in request.POST:
        return _render_form(request, form.draft(), roles.draft(one_more=True), proposal=proposal)
    return None


# The submission keys of the last forms this session was given. After Back, the browser may load
# the form again (with a new key) and still show what was typed: the same idea, sent again from
# any of these forms, is the one already posted, not a second one.
FORM_KEYS_SESSION_KEY = "proposal_form_keys"
FORM_KEYS_KEPT = 20


def _new_submission_key(request: HttpRequest) -> str:
    key = uuid.uuid4().hex
    kept = request.session.get(FORM_KEYS_SESSION_KEY, [])[-(FORM_KEYS_KEPT - 1) :]
    request.session[FORM_KEYS_SESSION_KEY] = [*kept, key]
    return key


def _posted_already(request: HttpRequest, form: ProposalForm) -> Proposal | None:
    keys = {form.cleaned_data["submission_key"], *request.session.get(FORM_KEYS_SESSION_KEY, [])}
    return (
        Proposal.objects.filter(
            proposer=request.user,
            submission_key__in=keys - {""},
            title=form.cleaned_data["title"],
            summary=form.cleaned_data["summary"],
        )
        .order_by("created_at")
        .first()
    )


def _prefilled(request: HttpRequest, suggested: list[str]) -> dict:
    """Themes a link brought along (`?theme=…&theme=…`, e.g. "anything you'd like to try?" after a
    meetup): suggested ones are ticked, others go to "other themes". Anything odd is left out."""
    wanted = list(dict.fromkeys(t.strip() for t in request.GET.getlist("theme")[:10] if t.strip()))
    known = [theme for theme in wanted if theme in suggested]
    others = [theme[:40] for theme in wanted if theme not in suggested]
    initial = {}
    if known:
        initial["themes"] = known
    if others:
        initial["free_themes"] = join_names(others)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request: HtmxHttpRequest) -> HttpResponse:
    themes = _suggested_themes()
    if request.method == "GET":
        form = ProposalForm(
            initial={"submission_key": _new_submission_key(request), **_prefilled(request, themes)},
            suggested_themes=themes,
        )
        return _render_form(request, form, RoleFormSet())
    form = ProposalForm(request.POST, suggested_themes=themes)
    roles = RoleFormSet(request.POST)
    if redrawn := _redraw(request, form, roles):
        return redrawn
    if form.is_valid() and roles.is_valid():
        if posted := _posted_already(request, form):
            messages.info(request, _("You have posted this idea already; here it is."))
            return redirect(posted)
        try:
            proposal = services.proposal_submit(
                proposer=request.user,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                body=form.cleaned_data["body"],
                tags=form.theme_names,
                roles=roles.roles,
                submission_key=form.cleaned_data["submission_key"],
                is_public=form.cleaned_data["is_public"],
            )
        except ValidationError as error:
            apply_service_errors(form, error, PROPOSAL_FIELDS)
        else:
            messages.success(request, _("Your idea is posted. Thank you for sharing it!"))
            return redirect(proposal)
    return _render_form(request, form, roles, status=400)


def _edit_initial(proposal: Proposal, themes: list[str]) -> tuple[dict, list[dict]]:
    tag_names = [tag.name for tag in proposal.tags.all()]
    initial = {
        "title": proposal.title,
        "summary": proposal.summary,
        "body": proposal.body,
        "themes": [name for name in tag_names if name in themes],
        "free_themes": join_names(name for name in tag_names if name not in themes),
        "is_public": proposal.is_public,
    }
    roles = [
        {"name": role.name, "count": role.count, "pace": role.pace}
        for role in proposal.roles_wanted.all()
    ]
    return initial, roles


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def proposal_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal.objects.prefetch_related("tags", "roles_wanted"), pk=pk)
    if not permissions.can_steer(request.user, proposal):
        return forbidden(request, _("Only the proposer or a moderator can edit this proposal."))
    themes = _suggested_themes()
    if request.method == "GET":
        initial, role_rows = _edit_initial(proposal, themes)
        form = ProposalForm(initial=initial, suggested_themes=themes)
        return _render_form(request, form, RoleFormSet(initial=role_rows), proposal=proposal)
    form = ProposalForm(request.POST, suggested_themes=themes)
    roles = RoleFormSet(request.POST)
    if redrawn := _redraw(request, form, roles, proposal=proposal):
        return redrawn
    if form.is_valid() and roles.is_valid():
        try:
            services.proposal_update(
                proposal=proposal,
                by=request.user,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                body=form.cleaned_data["body"],
                tags=form.theme_names,
                roles=roles.roles,
                is_public=form.cleaned_data["is_public"],
            )
        except ValidationError as error:
            apply_service_errors(form, error, PROPOSAL_FIELDS)
        else:
            messages.success(request, _("Saved."))
            return redirect(proposal)
    return _render_form(request, form, roles, proposal=proposal, status=400)


@login_required
@require_POST
def markdown_preview(request: HtmxHttpRequest) -> HttpResponse:
    form = PreviewForm(request.POST)
    html = render_markdown(form.cleaned_data["body"]) if form.is_valid() else ""
    return render(request, "proposals/form.html#preview", {"preview": html})


# The detail page


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    can_edit: bool
    can_hide: bool


@dataclass(frozen=True)
class TimelineView:
    """A timeline line as the page shows it, its words put together in Python (a
    `{% blocktranslate %}` per line was most of the timeline's render)."""

    kind: str
    at: object
    text: str
    note: str = ""
    anchor: str = ""

    @classmethod
    def of(cls, entry: selectors.TimelineEntry) -> "TimelineView":
        who = entry.actor.public_name if entry.actor else _("someone")
        item = entry.item
        if entry.kind == "transition":
            text = _("%(who)s moved it from %(source)s to %(target)s") % {
                "who": who,
                "source": item.get_from_status_display(),
                "target": item.get_to_status_display(),
            }
            return cls(entry.kind, entry.at, text, note=item.note)
        if entry.kind == "joined":
            text = _("%(who)s joined as %(role)s") % {"who": who, "role": item.role}
            return cls(entry.kind, entry.at, text)
        if entry.kind == "comment":
            text = _("%(who)s commented") % {"who": who}
            return cls(entry.kind, entry.at, text, anchor=f"comment-{item.pk}")
        return cls(entry.kind, entry.at, _("%(who)s shared the idea") % {"who": who})


def _comment_views(user, comments) -> list[CommentView]:
    return [
        CommentView(
            comment=comment,
            can_edit=permissions.can_edit_comment(user, comment),
            can_hide=permissions.can_hide_comment(user, comment),
        )
        for comment in comments
    ]


def _detail_context(request: HttpRequest, proposal: Proposal, *, everything: bool, **forms) -> dict:
    user = request.user
    can_steer = permissions.can_steer(user, proposal)
    viewer = selectors.viewer_state(proposal=proposal, user=user)
    roles = selectors.open_roles(proposal)
    # One more than a page was loaded when there are earlier comments: that one stays for later.
    comments = proposal.recent_comments
    earlier = not everything and len(comments) > selectors.COMMENTS_PAGE
    if earlier:
        comments = comments[1:]
    timeline = selectors.proposal_timeline(proposal=proposal)
    timeline_more = not everything and len(timeline) > selectors.TIMELINE_SHOWN
    spent = selectors.time_in_state(proposal=proposal)
    origin = origins.origin_of(proposal)
    team = selectors.accepted_members(proposal)
    shows_untils = can_steer or (
        viewer.membership is not None and viewer.membership.status == MembershipStatus.ACCEPTED
    )
    shown = timeline[-selectors.TIMELINE_SHOWN :] if timeline_more else timeline
    return {
        "proposal": proposal,
        "theme_names": selectors.theme_names(proposal),
        # Made from a Slack message (issue 12): where, and whether its author has confirmed.
        "origin": origin,
        "can_answer_origin": origin is not None and permissions.can_answer_authorship(user, origin),
        "viewer": viewer,
        "can_steer": can_steer,
        # Only where Slack is connected: whether replies in its thread become comments here.
        "can_switch_slack_replies": bool(settings.SLACK_BOT_TOKEN)
        and permissions.can_switch_slack_replies(user, proposal),
        "options": selectors.transition_options(proposal=proposal, user=user),
        "team_html": team_html(team, shows_untils=shows_untils),
        "helped": selectors.finished_members(proposal),
        "open_roles": roles,
        "recruiting": permissions.is_recruiting(proposal),
        "pending": selectors.pending_requests(proposal) if can_steer else [],
        # Issue 13: "people who might like to help", for the proposer and moderators.
        "helpers": people_for_proposal(proposal=proposal) if can_steer else [],
        "timeline_html": timeline_html(TimelineView.of(entry) for entry in shown),
        "timeline_more": timeline_more,
        "time_in_state": [
            (Status(s).label, spent[s], s == proposal.status) for s in Status.values if s in spent
        ],
        "time_in_current": spent.get(proposal.status),
        "comments": comments,
        "comments_html": comments_html(request, _comment_views(user, comments)),
        "comments_earlier": earlier,
        "comments_earliest": comments[0].pk if comments else None,
        "can_join": permissions.can_request_to_join(user, proposal, membership=viewer.membership),
        # How long each person offered their time is for the team and the people who steer it.
        "shows_untils": shows_untils,
        "can_cheer": permissions.can_cheer(user, proposal),
        "join_form": forms.get("join_form")
        or JoinForm(role_names=[role.name for role in selectors.roles_still_open(proposal)]),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "transition_form": forms.get("transition_form"),
        "next_meetup": next_meetup_for(proposal, user=user),
        # The team (and moderators) plan the proposal's meetups: a kickoff, a check-in.
        "can_plan_meetup": can_tie_to_proposal(
            user,
            proposal,
            on_team=permissions.is_owner(user, proposal)
            or (
                viewer.membership is not None
                and viewer.membership.status == MembershipStatus.ACCEPTED
            ),
        ),
    }


def _load(pk: int, viewer, *, everything: bool = False) -> Proposal:
    try:
        return selectors.proposal_detail(
            pk=pk, viewer=viewer, comments=None if everything else selectors.COMMENTS_PAGE
        )
    except Proposal.DoesNotExist as exc:
        raise Http404 from exc


def _render_detail(request, pk: int, *, status: int = 200, **forms) -> HttpResponse:
    # ?all=1: the whole discussion and timeline (the "show earlier" links without JavaScript).
    everything = request.GET.get("all") == "1"
    proposal = _load(pk, request.user, everything=everything)
    context = _detail_context(request, proposal, everything=everything, **forms)
    return render(request, "proposals/detail.html", context, status=status)


@login_required
@require_GET
def proposal_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


@login_required
@require_GET
def proposal_comments(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Earlier comments, a page at a time, for the proposal page's "show earlier" (htmx)."""
    proposal = get_object_or_404(Proposal, pk=pk)
    before = request.GET.get("before", "")
    if not (before.isascii() and before.isdigit()):
        return HttpResponseBadRequest(_("“before” must be a comment number."))
    page = selectors.comments_before(proposal=proposal, viewer=request.user, before_id=int(before))
    context = {
        "proposal": proposal,
        "comments": page.comments,
        "comments_html": comments_html(request, _comment_views(request.user, page.comments)),
        "comments_earlier": page.has_earlier,
        "comments_earliest": page.earliest_id,
    }
    return render(request, "proposals/detail.html#comment_page", context)


@login_required
@require_POST
@domain_errors
def proposal_transition(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.warning(request, _("That move is not possible. Please have a look and try again."))
        return back_to(request, pk)
    try:
        moved = services.proposal_transition(
            proposal=proposal,
            to=form.cleaned_data["to"],
            by=request.user,
            note=form.cleaned_data["note"],
            seen_status=form.cleaned_data["seen_status"],
        )
    except ValidationError as error:
        apply_service_errors(form, error, {})
        return _render_detail(request, pk, status=400, transition_form=form)
    messages.success(request, _("Moved to “%(stage)s”.") % {"stage": moved.get_status_display()})
    return back_to(request, pk)


@login_required
@require_POST
@domain_errors
def origin_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The author of the Slack message a proposal was made from: it is mine (Confirm), or not."""
    origin = origins.origin_for(proposal_id=pk)
    answer = request.POST.get("answer")
    if origin is None or answer not in ("confirm", "decline"):
        messages.warning(request, _("That answer is not possible. Please have a look again."))
        return back_to(request, pk)
    if answer == "confirm":
        origins.origin_confirm(origin=origin, by=request.user)
        messages.success(request, _("Thank you! It's yours now: you are its proposer. 🌱"))
    else:
        origins.origin_decline(origin=origin, by=request.user)
        messages.success(
            request, _("Thank you for letting us know. It stays with the person who posted it.")
        )
    return back_to(request, pk)


# Teams


@login_required
@require_POST
@domain_errors
def membership_request(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = _load(pk, request.user)
    roles = selectors.roles_still_open(proposal)
    form = JoinForm(request.POST, role_names=[role.name for role in roles])
    if form.is_valid():
        try:
            services.membership_request(
                proposal=proposal,
                user=request.user,
                role=form.cleaned_data["role"],
                availability=form.cleaned_data["availability"],
                message=form.cleaned_data["message"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as error:
            apply_service_errors(form, error, {"role": "role_other", **form.service_fields})
        else:
            messages.success(
                request, _("Thank you! Your request is sent; the proposer will answer soon.")
            )
            return back_to(request, pk, "team")
    return _render_detail(request, pk, status=400, join_form=form)


def _decide(request: HtmxHttpRequest, membership_id: int, service, done: str) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("proposal", "user"), pk=membership_id
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():  # nothing is decided on words the person did not mean to send
        messages.warning(request, " ".join(m for errors in form.errors.values() for m in errors))
        return back_to(request, membership.proposal_id, "team")
    service(membership=membership, by=request.user, response=form.cleaned_data["response"])
    messages.success(request, done % {"name": membership.user.public_name})
    return back_to(request, membership.proposal_id, "team")


@login_required
@require_POST
@domain_errors
def membership_accept(request: HtmxHttpRequest, membership_id: int) -> HttpResponse:
    return _decide(
        request, membership_id, services.membership_accept, _("%(name)s is on the team now.")
    )


@login_required
@require_POST
@domain_errors
def membership_decline(request: HtmxHttpRequest, membership_id: int) -> HttpResponse:
    return _decide(
        request, membership_id, services.membership_decline, _("You answered %(name)s kindly.")
    )


@login_required
@require_POST
@domain_errors
def membership_leave(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    services.membership_leave(proposal=proposal, user=request.user)
    messages.success(request, _("Done. Thank you for your time; you are welcome back any time."))
    return back_to(request, pk)


# Discussion


@login_required
@require_POST
@domain_errors
def comment_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                proposal=proposal, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            return back_to(request, pk, f"comment-{comment.pk}")
    return _render_detail(request, pk, status=400, comment_form=form)


def _comment(comment_id: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("author", "proposal"), pk=comment_id)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def comment_edit(request: HtmxHttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment(comment_id)
    if not permissions.can_edit_comment(request.user, comment):
        return forbidden(request, _("Only the author can edit this comment."))
    data = request.POST if request.method == "POST" else None
    form = CommentForm(data, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(
                comment=comment, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            apply_service_errors(form, error, {})
        else:
            return back_to(request, comment.proposal_id, f"comment-{comment.pk}", everything=True)
    status = 400 if request.method == "POST" else 200
    context = {"comment": comment, "form": form}
    return render(request, "proposals/comment_edit.html", context, status=status)


@login_required
@require_POST
@domain_errors
def comment_delete(request: HtmxHttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment(comment_id)
    proposal_id = comment.proposal_id
    services.comment_delete(comment=comment, by=request.user)
    messages.success(request, _("Your comment is deleted."))
    return back_to(request, proposal_id, "discussion")


@login_required
@require_POST
@domain_errors
def comment_hide(request: HtmxHttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment(comment_id)
    hidden = request.POST.get("hidden") == "1"
    services.comment_set_hidden(comment=comment, by=request.user, hidden=hidden)
    return back_to(request, comment.proposal_id, f"comment-{comment.pk}", everything=True)


@login_required
@require_POST
@domain_errors
def proposal_slack_replies(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The proposer's switch: replies in the proposal's Slack thread become comments, or not."""
    proposal = get_object_or_404(Proposal, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    services.proposal_set_slack_replies(proposal=proposal, by=request.user, enabled=enabled)
    if enabled:
        messages.success(request, _("Replies in the Slack thread will become comments here."))
    else:
        messages.success(request, _("Replies in the Slack thread will stay in Slack."))
    return back_to(request, pk, "slack-thread")


# Cheer and follow: htmx swaps the buttons; without JavaScript the page reloads.


def _reactions(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if not request.htmx:
        return redirect("proposals:detail", pk=pk)
    proposal = _load(pk, request.user)
    context = {
        "proposal": proposal,
        "viewer": selectors.viewer_state(proposal=proposal, user=request.user),
        "can_cheer": permissions.can_cheer(request.user, proposal),
    }
    return render(request, "proposals/detail.html#reactions", context)


@login_required
@require_POST
@domain_errors
def cheer_toggle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    services.cheer_toggle(proposal=proposal, user=request.user)
    return _reactions(request, pk)


@login_required
@require_POST
def follow_set(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, pk=pk)
    services.follow_set(
        proposal=proposal, user=request.user, following=request.POST.get("following") == "1"
    )
    return _reactions(request, pk)


# Invitations (issue 13)


@login_required
@require_POST
@domain_errors
def invitation_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The "Invite" button next to a suggested person on the proposal page."""
    proposal = get_object_or_404(Proposal, pk=pk)
    invitee_id = request.POST.get("invitee", "")
    invitee = (
        get_user_model().objects.filter(pk=int(invitee_id), is_active=True).first()
        if invitee_id.isascii() and invitee_id.isdigit()
        else None
    )
    try:
        invitation = services.invitation_create(
            proposal=proposal,
            invitee=invitee,
            role=request.POST.get("role", ""),
            message=request.POST.get("message", ""),
            by=request.user,
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Invitation sent to %(name)s. They can answer whenever it suits them.")
            % {"name": invitation.invitee.public_name},
        )
    return back_to(request, pk, "helpers")


def _own_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    """Only the invitee sees their invitation; for anyone else it does not exist."""
    return get_object_or_404(
        Invitation.objects.select_related("proposal", "invited_by"),
        pk=invitation_id,
        invitee_id=request.user.pk,
    )


def _render_invitation(
    request: HttpRequest, invitation: Invitation, *, until_form=None, status: int = 200
) -> HttpResponse:
    context = {
        "invitation": invitation,
        "ended": invitation.expires_at <= timezone.now(),
        "until_form": until_form or UntilForm(),
    }
    return render(request, "proposals/invitation.html", context, status=status)


@login_required
@require_GET
def invitation_detail(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """An invitation with its answers (the email's and the notification's link lands here)."""
    return _render_invitation(request, _own_invitation(request, invitation_id))


def _answer(request: HttpRequest, invitation_id: int, answer, done: str) -> HttpResponse:
    invitation = _own_invitation(request, invitation_id)
    try:
        answer(invitation=invitation, by=request.user)
    except (ActionConflict, ActionNotPermitted) as error:
        messages.warning(request, error.message)
        return redirect("proposals:invitation", invitation_id=invitation.pk)
    messages.success(request, done)
    return redirect(invitation.proposal.get_absolute_url())


@login_required
@require_POST
def invitation_accept(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """Join, for as long as the member offers (the form's "for how long?")."""
    invitation = _own_invitation(request, invitation_id)
    form = UntilForm(request.POST)
    if form.is_valid():
        try:
            return _answer(
                request,
                invitation_id,
                partial(services.invitation_accept, until=form.cleaned_data["until"]),
                _("Welcome to the team! Take it at a pace that suits you."),
            )
        except ValidationError as error:
            apply_service_errors(form, error, form.service_fields)
    return _render_invitation(request, invitation, until_form=form, status=400)


@login_required
@require_POST
def invitation_decline(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _answer(
        request,
        invitation_id,
        services.invitation_decline,
        _("Thank you for letting them know. Maybe another time."),
    )


# Commitments with an end (issue 13): the gentle question's page, a week before the end


def _own_commitment(request: HttpRequest, membership_id: int) -> Membership:
    """Only the member answers about their own time; for anyone else it does not exist."""
    return get_object_or_404(
        Membership.objects.select_related("proposal"),
        pk=membership_id,
        user_id=request.user.pk,
    )


def _render_commitment(
    request: HttpRequest, membership: Membership, *, form=None, status: int = 200
) -> HttpResponse:
    base = continue_from(membership.until, timezone.localdate())
    context = {
        "membership": membership,
        "proposal": membership.proposal,
        "on_team": membership.status == MembershipStatus.ACCEPTED,
        "finished": membership.status == MembershipStatus.FINISHED,
        "form": form
        or CommitmentForm(
            initial={"seen_until": membership.until},
            base=base,
            no_end_label=_("Keep going, with no end date"),
        ),
    }
    return render(request, "proposals/commitment.html", context, status=status)


@login_required
@require_GET
def commitment_detail(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Continue (a new day, the same choices as when joining) or finish with thanks."""
    return _render_commitment(request, _own_commitment(request, membership_id))


@login_required
@require_POST
def commitment_continue(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _own_commitment(request, membership_id)
    form = CommitmentForm(
        request.POST,
        base=continue_from(membership.until, timezone.localdate()),
        no_end_label=_("Keep going, with no end date"),
    )
    if form.is_valid():
        try:
            continued = services.commitment_continue(
                membership=membership,
                by=request.user,
                until=form.cleaned_data["until"],
                seen_until=form.cleaned_data["seen_until"],
            )
        except (ActionConflict, ActionNotPermitted) as error:
            messages.warning(request, error.message)
            return redirect("proposals:commitment", membership_id=membership.pk)
        except ValidationError as error:
            apply_service_errors(form, error, form.service_fields)
        else:
            if continued.until:
                done = _("Thank you! You're on the team until %(day)s.") % {
                    "day": formats.date_format(continued.until, "DATE_FORMAT")
                }
            else:
                done = _("Thank you! You're on the team, with no end date.")
            messages.success(request, done)
            return back_to(request, membership.proposal_id, "team")
    return _render_commitment(request, membership, form=form, status=400)


@login_required
@require_POST
def commitment_finish(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _own_commitment(request, membership_id)
    try:
        services.commitment_finish(membership=membership, by=request.user)
    except (ActionConflict, ActionNotPermitted) as error:
        messages.warning(request, error.message)
        return redirect("proposals:commitment", membership_id=membership.pk)
    messages.success(
        request,
        _("Thank you so much for your time with the team. You are welcome back any time."),
    )
    return back_to(request, membership.proposal_id, "team")
