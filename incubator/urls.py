from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from workers import slack_inbound

from .api import api


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("slack/commands", slack_inbound.slash_command, name="slack_commands"),
    path("slack/interactions", slack_inbound.interaction, name="slack_interactions"),
    path("members/", include("members.urls")),
    path("notifications/", include("workers.urls")),
    path("board/", include("proposals.board_urls")),
    path("", include("proposals.urls")),
]
