from django.contrib import admin

from .models import CalendarFeed, Meetup, MeetupReminder, Rsvp


class RsvpInline(admin.TabularInline):
    model = Rsvp
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["answered_at"]


@admin.register(Meetup)
class MeetupAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "status", "visibility", "going_count", "capacity"]
    list_filter = ["kind", "status", "visibility"]
    search_fields = ["title", "place"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["created_by", "proposal"]
    filter_horizontal = ["hosts"]
    readonly_fields = ["uid", "sequence", "going_count", "waitlist_count", "maybe_count"]
    inlines = [RsvpInline]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    raw_id_fields = ["user"]
    exclude = ["token"]


@admin.register(MeetupReminder)
class MeetupReminderAdmin(admin.ModelAdmin):
    list_display = ["meetup", "user", "minutes_before", "created_at"]
    raw_id_fields = ["meetup", "user"]
