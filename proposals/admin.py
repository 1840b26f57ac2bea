from django.contrib import admin

from .models import Comment, Membership, Proposal, RoleWanted, Tag, TransitionLog


class RoleWantedInline(admin.TabularInline):
    model = RoleWanted
    extra = 0


class TransitionLogInline(admin.TabularInline):
    model = TransitionLog
    extra = 0
    can_delete = False
    readonly_fields = ("name", "from_status", "to_status", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Stage changes go through proposal_transition (the site's pages), so the stage is read-only here."""

    list_display = (
        "title",
        "proposer",
        "status",
        "member_count",
        "cheer_count",
        "last_activity_at",
    )
    list_filter = ("status", "tags")
    search_fields = ("title", "summary")
    readonly_fields = ("status", "member_count", "cheer_count", "comment_count")
    raw_id_fields = ("proposer",)
    inlines = [RoleWantedInline, TransitionLogInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("proposal", "user", "role", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("proposal", "user", "decided_by")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("proposal", "author", "created_at", "is_hidden")
    list_filter = ("is_hidden",)
    raw_id_fields = ("proposal", "author", "hidden_by")


admin.site.register(Tag)
