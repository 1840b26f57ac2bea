from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from entrance.web import views as entrance_views
from slack_app import inbound as slack_inbound
from workers import health as worker_health

from .api import api, unknown_path

# The admin signs in through the site's own sign-in page, with its limits on failed attempts;
# its own login form, which has none, never checks a password.
admin.site.login = secure_admin_login(admin.site.login)


urlpatterns = [
    # Database, broker and the outbox's backlog age, as JSON: 200 when healthy, 503 when not.
    path("healthz", worker_health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    re_path(r"^api/", unknown_path),  # any other address under /api/: a JSON 404
    path("slack/commands", slack_inbound.slash_command, name="slack_commands"),
    path("slack/interactions", slack_inbound.interaction, name="slack_interactions"),
    path("slack/events", slack_inbound.events, name="slack_events"),
    path("members/", include("members.urls")),
    path("notifications/", include("workers.urls")),
    path("moderation/", include("moderation.urls")),
    path("meetups/", include("meetups.urls")),
    path("insight/", include("insight.urls")),
    path("introductions/", include("introductions.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("apply/", include("applications.urls")),
    path("board/", include("proposals.web.board_urls")),
    # "/": members land on the board (proposals:board, below), visitors on the public page.
    path("", entrance_views.home),
    path("", include("entrance.urls")),
    path("", include("proposals.web.urls")),
]
