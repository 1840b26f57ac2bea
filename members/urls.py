from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/tokens/", views.api_token_create, name="token_create"),
    path("settings/notifications/pause/", views.notifications_pause, name="notifications_pause"),
    path("settings/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="token_revoke"),
    path("slack/connect/<str:token>/", views.slack_connect, name="slack_connect"),
    path("slack/disconnect/", views.slack_disconnect, name="slack_disconnect"),
    path("<str:username>/", views.profile, name="profile"),
]
