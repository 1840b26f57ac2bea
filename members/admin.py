from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User


@admin.register(User)
class MemberAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Profile"),
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
    list_display = ("username", "display_name", "email", "is_staff")
    search_fields = ("username", "display_name", "email")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at")
    readonly_fields = ("key_hash",)
