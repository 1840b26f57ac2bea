from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import Delivery, EmailDigest, EmailPreference, Event, SlackThread


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "recipient", "status", "attempts", "last_error", "sent_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "proposal", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("proposal__title", "dedupe_key")
    readonly_fields = ("kind", "proposal", "actor", "payload", "dedupe_key", "created_at")
    inlines = [DeliveryInline]


@admin.action(description=_("Retry now"))
def retry_now(modeladmin, request, queryset):
    count = outbox.retry_now(list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(
        request,
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "event",
        "recipient",
        "status",
        "attempts",
        "short_error",
        "not_before",
        "sent_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("last_error", "external_id")
    list_select_related = ("event", "recipient")
    readonly_fields = (
        "event",
        "channel",
        "recipient",
        "proposal",
        "status",
        "attempts",
        "last_error",
        "not_before",
        "lease_until",
        "external_id",
        "read_at",
        "created_at",
        "updated_at",
        "sent_at",
    )
    actions = [retry_now]

    @admin.display(description=_("last error"))
    def short_error(self, obj) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SlackThread)
class SlackThreadAdmin(admin.ModelAdmin):
    list_display = ("proposal", "channel_id", "root_ts", "card_version", "created_at")
    raw_id_fields = ("proposal",)


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "mode")
    list_filter = ("kind", "mode")
    raw_id_fields = ("user",)


@admin.register(EmailDigest)
class EmailDigestAdmin(admin.ModelAdmin):
    list_display = ("user", "day", "item_count", "sent_at")
    raw_id_fields = ("user",)
