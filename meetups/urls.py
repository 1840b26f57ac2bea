from django.urls import path

from .web import calendars, views

app_name = "meetups"

urlpatterns = [
    path("", views.meetup_list, name="list"),
    path("month/", views.meetup_month, name="month_now"),
    path("month/<int:year>/<int:month>/", views.meetup_month, name="month"),
    path("new/", views.meetup_create, name="create"),
    path("<int:pk>/", views.meetup_detail, name="detail"),
    path("<int:pk>/edit/", views.meetup_edit, name="edit"),
    path("<int:pk>/cancel/", views.meetup_cancel, name="cancel"),
    path("<int:pk>/answer/", views.meetup_answer, name="answer"),
    path("<int:pk>/attendance/", views.meetup_attendance, name="attendance"),
    path("<int:pk>/calendar.ics", calendars.meetup_ics, name="ics"),
    path("calendars/", calendars.calendars_page, name="calendars"),
    path("calendars/renew/", calendars.feed_renew, name="feed_renew"),
    path("calendars/revoke/", calendars.feed_revoke, name="feed_revoke"),
    path("feeds/<str:token>/community.ics", calendars.community_feed, name="community_feed"),
    path("feeds/<str:token>.ics", calendars.personal_feed, name="personal_feed"),
]
