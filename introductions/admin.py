from django.contrib import admin

from .models import IntroductionMessage, IntroductionRound


@admin.register(IntroductionRound)
class IntroductionRoundAdmin(admin.ModelAdmin):
    """Rounds in numbers only: who met whom is theirs (the people's own page shows them)."""

    list_display = ("starts_on", "opted_in", "paused", "introduced", "left_out", "created_at")
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(IntroductionMessage)
class IntroductionMessageAdmin(admin.ModelAdmin):
    """The Slack posts' delivery state, for when one is stuck (no names, no text)."""

    list_display = ("pk", "kind", "status", "attempts", "not_before", "sent_at", "last_error")
    list_filter = ("status", "kind")
    readonly_fields = (
        "introduction",
        "kind",
        "status",
        "attempts",
        "not_before",
        "lease_until",
        "posting",
        "ts",
        "last_error",
        "created_at",
        "sent_at",
    )

    def has_add_permission(self, request) -> bool:
        return False
