"""The admin, for staff (is_staff): moderators do their daily work in the app itself.

A member's Slack id is read-only here: only a verified flow sets it (members.services.slack_link).
Deleting a member first takes back their cheers, team places and comments through the proposals'
services, so every count they were part of stays true.
"""

import contextlib

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proposals import services as proposal_services
from proposals.choices import PROPOSER_ROLE, MembershipStatus
from proposals.errors import ActionConflict
from proposals.models import Cheer, Comment, Membership

from . import services
from .models import MODERATORS_GROUP, ApiToken, User

admin.site.site_header = gettext_lazy("incubator admin")
admin.site.site_title = gettext_lazy("incubator admin")
admin.site.index_title = gettext_lazy("incubator admin")


def member_withdraw(*, member: User) -> None:
    """What a member leaves behind, taken back as they would themselves: each service recounts."""
    for cheer in Cheer.objects.filter(user=member).select_related("proposal"):
        proposal_services.cheer_set(proposal=cheer.proposal, user=member, cheered=False)
    places = (
        Membership.objects.filter(
            user=member, status__in=(MembershipStatus.ACCEPTED, MembershipStatus.REQUESTED)
        )
        .exclude(role=PROPOSER_ROLE)
        .select_related("proposal")
    )
    for membership in places:
        # Left or withdrawn meanwhile: that service call already recounted.
        with contextlib.suppress(ActionConflict):
            proposal_services.membership_leave(proposal=membership.proposal, user=member)
    for comment in Comment.objects.filter(author=member).select_related("proposal"):
        proposal_services.comment_delete(comment=comment, by=member)


@admin.register(User)
class MemberAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            gettext_lazy("Profile"),
            {
                "fields": (
                    "display_name",
                    "bio",
                    "interests",
                    "skills",
                    "availability",
                    "slack_user_id",
                    "preferred_language",
                )
            },
        ),
    )
    readonly_fields = ("slack_user_id",)
    list_display = ("username", "display_name", "email", "is_staff")
    search_fields = ("username", "display_name", "email")
    actions = ["disconnect_slack"]

    @admin.action(description=gettext_lazy("Disconnect Slack from the selected members"))
    def disconnect_slack(self, request, queryset):
        for member in queryset.exclude(slack_user_id=""):
            try:
                services.slack_unlink(user=member)
            except ValidationError as error:
                self.message_user(
                    request, f"{member.username}: {' '.join(error.messages)}", messages.WARNING
                )
            else:
                self.message_user(
                    request,
                    _("%(member)s: Slack is disconnected.") % {"member": member.username},
                    messages.SUCCESS,
                )

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            member_withdraw(member=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for member in queryset:
                member_withdraw(member=member)
                member.delete()


class ModeratorsGroupAdmin(GroupAdmin):
    """The app finds its moderators by the group's name, so that group keeps its name."""

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.name == MODERATORS_GROUP:
            return ("name",)
        return ()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.name == MODERATORS_GROUP:
            name, options = fieldsets[0]
            description = _(
                "Members of this group are the community's moderators: in the app they can "
                "hide comments and move or edit any proposal. The app knows the group by this "
                "name, so it cannot be renamed. Deleting it takes those rights away from all "
                "of them at once."
            )
            return ((name, {**options, "description": description}), *fieldsets[1:])
        return fieldsets


admin.site.unregister(Group)
admin.site.register(Group, ModeratorsGroupAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their member (settings) or `manage.py create_api_token`, which show the
    raw token once; here they can be looked at, renamed or revoked (deleted)."""

    list_display = ("user", "name", "created_at", "last_used_at")
    readonly_fields = ("user", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False
