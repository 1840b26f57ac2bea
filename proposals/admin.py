"""The admin writes through the same services as the site's pages, the API and Slack.

So an edit in the admin renders the Markdown, keeps the counts true, refreshes the Slack card and
follows the same rules (who may edit, hide, decide) as everywhere else. What no service writes is
read-only here: the stage moves only through proposal_transition (the proposal's page and the
board), and the counts are the services' to keep. A refusal is shown as an error message; nothing
is half-saved.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions, services
from .choices import PROPOSER_ROLE, MembershipStatus
from .errors import ProposalError
from .models import Comment, Membership, Proposal, RoleWanted, Tag, TransitionLog

REFUSED = "_admin_service_refused"


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return getattr(error, "message", str(error))


class ThroughServices(admin.ModelAdmin):
    """Calls a service; a domain refusal becomes an error message and the change page again."""

    def run_service(self, request, service, /, **kwargs) -> bool:
        try:
            service(**kwargs)
        except (ValidationError, ProposalError) as error:
            setattr(request, REFUSED, True)
            self.message_user(request, _reason(error), messages.ERROR)
            return False
        return True

    def log_change(self, request, obj, message):
        if not getattr(request, REFUSED, False):
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        if getattr(request, REFUSED, False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        # Proposals, join requests and comments start on the site, through their services.
        return False


# Proposals


class RoleWantedFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]
        for form in kept:
            if " ".join(form.cleaned_data.get("name", "").split()) == PROPOSER_ROLE:
                raise ValidationError(_("“proposer” is taken by the proposer."))
        if len(kept) > services.MAX_ROLES:
            raise ValidationError(_("At most %(n)d roles, please.") % {"n": services.MAX_ROLES})

    def role_inputs(self) -> list[services.RoleInput]:
        return [
            services.RoleInput(
                name=form.cleaned_data["name"],
                count=form.cleaned_data["count"],
                pace=form.cleaned_data.get("pace", ""),
            )
            for form in self.forms
            if form.cleaned_data.get("name")
            if not (self.can_delete and self._should_delete_form(form))
        ]


class RoleWantedInline(admin.TabularInline):
    model = RoleWanted
    formset = RoleWantedFormSet
    fields = ("name", "count", "pace")
    extra = 0

    # `obj` is the proposal: its roles are edited by whoever may edit it.
    def _may_steer(self, request, obj) -> bool:
        return obj is None or permissions.can_steer(request.user, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._may_steer(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._may_steer(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_steer(request, obj)


class TransitionLogInline(admin.TabularInline):
    model = TransitionLog
    extra = 0
    can_delete = False
    readonly_fields = ("name", "from_status", "to_status", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ProposalAdminForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ("title", "summary", "body", "tags")

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > services.MAX_TAGS:
            raise ValidationError(_("At most %(n)d themes, please.") % {"n": services.MAX_TAGS})
        return tags


@admin.register(Proposal)
class ProposalAdmin(ThroughServices):
    """Title, summary, body, themes and roles are edited through proposal_update; the stage moves
    on the proposal's page or the board (proposal_transition), so it is read-only here."""

    form = ProposalAdminForm
    list_display = (
        "title",
        "proposer",
        "status",
        "member_count",
        "cheer_count",
        "comment_count",
        "last_activity_at",
    )
    list_filter = ("status", "tags")
    search_fields = ("title", "summary")
    fields = (
        "title",
        "summary",
        "body",
        "tags",
        "proposer",
        "status",
        "outcome_note",
        "archive_reason",
        "member_count",
        "cheer_count",
        "comment_count",
        "created_at",
        "status_changed_at",
        "last_activity_at",
    )
    readonly_fields = (
        "proposer",
        "status",
        "outcome_note",
        "archive_reason",
        "member_count",
        "cheer_count",
        "comment_count",
        "created_at",
        "status_changed_at",
        "last_activity_at",
    )
    filter_horizontal = ("tags",)
    inlines = [RoleWantedInline, TransitionLogInline]

    def _may_steer(self, request, obj) -> bool:
        return obj is None or permissions.can_steer(request.user, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._may_steer(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_steer(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        """Nothing is saved here: save_related makes the one proposal_update call, once the
        roles (an inline) are known too."""

    def save_related(self, request, form, formsets, change) -> None:
        roles_changed = False
        roles = None
        for formset in formsets:
            formset.save(commit=False)  # the change message reads what it would save
            if isinstance(formset, RoleWantedFormSet):
                roles_changed = formset.has_changed()
                roles = formset.role_inputs()
        if not form.has_changed() and not roles_changed:
            return
        data = form.cleaned_data
        self.run_service(
            request,
            services.proposal_update,
            proposal=form.instance,
            by=request.user,
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            tags=[tag.name for tag in data["tags"]],
            roles=roles if roles_changed else None,
        )


# Join requests and teams

# The moves a membership can make here, each through its service.
MEMBERSHIP_MOVES = {
    MembershipStatus.REQUESTED: (MembershipStatus.ACCEPTED, MembershipStatus.DECLINED),
    MembershipStatus.ACCEPTED: (MembershipStatus.LEFT,),
}


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("status", "response")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.status
        moves = () if self.instance.is_proposer else MEMBERSHIP_MOVES.get(current, ())
        status = self.fields["status"]
        status.choices = [
            (value, label)
            for value, label in MembershipStatus.choices
            if value == current or value in moves
        ]
        status.error_messages["invalid_choice"] = _(
            "This membership can't move there from “%(current)s”."
        ) % {"current": MembershipStatus(current).label}
        self.fields["response"].help_text = _(
            "Sent with an acceptance or a decline; leave empty for the usual kind words."
        )

    def clean(self):
        data = super().clean()
        decided = data.get("status") in (MembershipStatus.ACCEPTED, MembershipStatus.DECLINED)
        if "response" in self.changed_data and not (
            decided and self.instance.status == MembershipStatus.REQUESTED
        ):
            self.add_error(
                "response", _("A response is sent only with an acceptance or a decline.")
            )
        return data


@admin.register(Membership)
class MembershipAdmin(ThroughServices):
    """Accept, decline or take someone off a team, as the proposer would: the team size, the
    people told and the Slack card follow. Which role and message a request has is the member's."""

    form = MembershipAdminForm
    list_display = ("proposal", "user", "role", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("proposal", "user")
    search_fields = ("proposal__title", "user__username", "user__display_name")
    fields = (
        "proposal",
        "user",
        "role",
        "availability",
        "message",
        "status",
        "response",
        "decided_by",
        "decided_at",
        "created_at",
    )
    readonly_fields = (
        "proposal",
        "user",
        "role",
        "availability",
        "message",
        "decided_by",
        "decided_at",
        "created_at",
    )
    actions = ["accept_requests", "decline_requests", "remove_from_team"]

    def _may_steer(self, request, obj) -> bool:
        return obj is None or permissions.can_steer(request.user, obj.proposal)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._may_steer(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj) and self._may_steer(request, obj)
        return allowed and not (obj is not None and obj.is_proposer)

    def _move(self, request, membership: Membership, to: str, response: str = "") -> bool:
        if to == MembershipStatus.ACCEPTED:
            return self.run_service(
                request,
                services.membership_accept,
                membership=membership,
                by=request.user,
                response=response,
            )
        if to == MembershipStatus.DECLINED:
            return self.run_service(
                request,
                services.membership_decline,
                membership=membership,
                by=request.user,
                response=response,
            )
        return self.run_service(
            request, services.membership_leave, proposal=membership.proposal, user=membership.user
        )

    def save_model(self, request, obj, form, change) -> None:
        if "status" not in form.changed_data:
            return
        stored = Membership.objects.select_related("proposal", "user").get(pk=obj.pk)
        self._move(request, stored, form.cleaned_data["status"], form.cleaned_data["response"])

    def _move_each(self, request, queryset, to: str, sources: tuple[str, ...]) -> None:
        moved = 0
        for membership in queryset.select_related("proposal", "user"):
            if membership.status not in sources or membership.is_proposer:
                continue
            if not permissions.can_steer(request.user, membership.proposal):
                continue
            moved += self._move(request, membership, to)
        self.message_user(request, _("%(n)d changed.") % {"n": moved}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Accept the selected join requests"))
    def accept_requests(self, request, queryset):
        self._move_each(request, queryset, MembershipStatus.ACCEPTED, (MembershipStatus.REQUESTED,))

    @admin.action(description=gettext_lazy("Decline the selected join requests"))
    def decline_requests(self, request, queryset):
        self._move_each(request, queryset, MembershipStatus.DECLINED, (MembershipStatus.REQUESTED,))

    @admin.action(description=gettext_lazy("Take the selected people off their teams"))
    def remove_from_team(self, request, queryset):
        self._move_each(request, queryset, MembershipStatus.LEFT, (MembershipStatus.ACCEPTED,))

    def _delete(self, request, membership: Membership) -> bool:
        """Leaving first (the service recounts the team), then the row, which no count sees."""
        if membership.is_proposer:
            self.message_user(
                request,
                _("The proposer stays on their own team: %(membership)s was kept.")
                % {"membership": membership},
                messages.WARNING,
            )
            return False
        on_team = membership.status in (MembershipStatus.ACCEPTED, MembershipStatus.REQUESTED)
        if on_team and not self.run_service(
            request, services.membership_leave, proposal=membership.proposal, user=membership.user
        ):
            return False
        membership.delete()
        return True

    def delete_model(self, request, obj) -> None:
        self._delete(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset.select_related("proposal", "user"):
            if self._may_steer(request, membership):
                self._delete(request, membership)


# Comments


class CommentAdminForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ("body", "is_hidden")


@admin.register(Comment)
class CommentAdmin(ThroughServices):
    """Hiding and showing go through comment_set_hidden (moderators), so the comment counts
    follow; the words are their author's, edited through comment_update by the author only."""

    form = CommentAdminForm
    list_display = ("proposal", "author", "created_at", "is_hidden")
    list_filter = ("is_hidden",)
    list_select_related = ("proposal", "author")
    search_fields = ("body", "proposal__title", "author__username")
    fields = (
        "proposal",
        "author",
        "body",
        "is_hidden",
        "hidden_by",
        "created_at",
        "edited_at",
    )
    actions = ["hide_comments", "show_comments"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["proposal", "author", "hidden_by", "created_at", "edited_at"]
        if obj is not None and not permissions.can_edit_comment(request.user, obj):
            readonly.append("body")
        if obj is not None and not permissions.can_hide_comment(request.user, obj):
            readonly.append("is_hidden")
        return readonly

    def _may_change(self, request, obj) -> bool:
        return obj is None or (
            permissions.can_edit_comment(request.user, obj)
            or permissions.can_hide_comment(request.user, obj)
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        stored = Comment.objects.select_related("proposal").get(pk=obj.pk)
        if "body" in form.changed_data and not self.run_service(
            request, services.comment_update, comment=stored, by=request.user, body=obj.body
        ):
            return
        if "is_hidden" in form.changed_data:
            self.run_service(
                request,
                services.comment_set_hidden,
                comment=stored,
                by=request.user,
                hidden=form.cleaned_data["is_hidden"],
            )

    def _set_hidden_each(self, request, queryset, hidden: bool) -> None:
        changed = 0
        for comment in queryset.select_related("proposal"):
            if comment.is_hidden != hidden and permissions.can_hide_comment(request.user, comment):
                changed += self.run_service(
                    request,
                    services.comment_set_hidden,
                    comment=comment,
                    by=request.user,
                    hidden=hidden,
                )
        self.message_user(request, _("%(n)d changed.") % {"n": changed}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Hide the selected comments"))
    def hide_comments(self, request, queryset):
        self._set_hidden_each(request, queryset, True)

    @admin.action(description=gettext_lazy("Show the selected comments again"))
    def show_comments(self, request, queryset):
        self._set_hidden_each(request, queryset, False)

    def _delete(self, request, comment: Comment) -> None:
        """The author deletes through comment_delete; a moderator hides first (the service
        recounts), then removes the row, which no count sees any more."""
        if permissions.can_delete_comment(request.user, comment):
            self.run_service(request, services.comment_delete, comment=comment, by=request.user)
            return
        if not comment.is_hidden and not self.run_service(
            request, services.comment_set_hidden, comment=comment, by=request.user, hidden=True
        ):
            return
        comment.delete()

    def delete_model(self, request, obj) -> None:
        self._delete(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for comment in queryset.select_related("proposal"):
            if self._may_change(request, comment):
                self._delete(request, comment)


admin.site.register(Tag)
