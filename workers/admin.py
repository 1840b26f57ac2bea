from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import (
    ChannelState,
    Delivery,
    DeliveryStatus,
    EmailDigest,
    EmailPreference,
    Event,
    SlackThread,
    SlackWorkspace,
)


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
    list_filter = ("status", "channel", "lane")
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
        "due_at",
        "lane",
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


@admin.action(description=_("Retry the failed deliveries of these lanes"))
def retry_failed(modeladmin, request, queryset):
    failed = Delivery.objects.filter(
        lane__in=queryset.values_list("key", flat=True), status=DeliveryStatus.FAILED
    )
    count = outbox.retry_now(list(failed.values_list("pk", flat=True)))
    modeladmin.message_user(
        request,
        ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.register(ChannelState)
class ChannelStateAdmin(admin.ModelAdmin):
    """Each lane (a Slack channel, or email): its backlog, its sender, its pause and alert."""

    list_display = (
        "key",
        "backlog",
        "oldest_waiting",
        "paused_until",
        "alerted_at",
        "holder",
        "lease_until",
    )
    readonly_fields = (
        "key",
        "holder",
        "lease_until",
        "armed_until",
        "next_post_at",
        "paused_until",
        "alerted_at",
        "backlog_warned_at",
    )
    actions = [retry_failed]

    def get_queryset(self, request):
        waiting = Delivery.objects.filter(
            lane=OuterRef("key"), status__in=outbox.WAITING, due_at__lte=Now()
        )
        counted = waiting.order_by().values("lane").annotate(count=Count("pk")).values("count")
        return (
            super()
            .get_queryset(request)
            .annotate(
                backlog_count=Subquery(counted[:1]),
                backlog_oldest=Subquery(waiting.order_by("due_at").values("due_at")[:1]),
            )
        )

    @admin.display(description=_("waiting"), ordering="backlog_count")
    def backlog(self, obj) -> int:
        return obj.backlog_count or 0

    @admin.display(description=_("oldest waiting for"), ordering="backlog_oldest")
    def oldest_waiting(self, obj) -> str:
        if obj.backlog_oldest is None:
            return "—"
        seconds = int((timezone.now() - obj.backlog_oldest).total_seconds())
        return _("%(minutes)d min %(seconds)02d s") % {
            "minutes": seconds // 60,
            "seconds": seconds % 60,
        }

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SlackThread)
class SlackThreadAdmin(admin.ModelAdmin):
    list_display = (
        "proposal",
        "channel_id",
        "root_ts",
        "card_version",
        "card_dirty_at",
        "created_at",
    )
    raw_id_fields = ("proposal",)


@admin.register(SlackWorkspace)
class SlackWorkspaceAdmin(admin.ModelAdmin):
    """The pace every channel's sender shares: the next write, the next card update, and Slack's
    pause on card updates (a 429 on chat.update; posts go on)."""

    list_display = ("key", "next_write_at", "next_update_at", "updates_paused_until")
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(EmailPreference)
class EmailPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "mode")
    list_filter = ("kind", "mode")
    raw_id_fields = ("user",)


@admin.register(EmailDigest)
class EmailDigestAdmin(admin.ModelAdmin):
    list_display = ("user", "day", "item_count", "sent_at")
    raw_id_fields = ("user",)
