"""Read-only views of applications and their emails: every write goes through
applications.services (the moderators' page), so the admin only shows."""

from django.contrib import admin

from .models import Application, ApplicationMail, Guidelines


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MailInline(admin.TabularInline):
    model = ApplicationMail
    extra = 0
    can_delete = False
    fields = ("kind", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("name", "email", "status", "created_at", "confirmed_at", "decided_by", "member")
    list_filter = ("status",)
    search_fields = ("name", "email", "call_name")
    inlines = [MailInline]


@admin.register(Guidelines)
class GuidelinesAdmin(ReadOnlyAdmin):
    list_display = ("updated_at", "updated_by")


@admin.register(ApplicationMail)
class ApplicationMailAdmin(ReadOnlyAdmin):
    list_display = ("application", "kind", "status", "attempts", "sent_at")
    list_filter = ("kind", "status")
