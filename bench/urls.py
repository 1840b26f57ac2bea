from django.http import HttpResponse
from django.urls import include, path
from ninja import NinjaAPI

from members.api_auth import api_auth


def floor(request):
    """The cheapest Django response: the same middleware as every page, no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


# The API's floor: the cheapest answer the JSON API gives a caller it has identified, through the
# same Ninja dispatch and the same authentication (a personal token: one lookup of its hash), as
# the page's floor pays the session and user lookups of the member it serves. Without it, the
# API's polls were compared with a floor that identified nobody.
floor_api = NinjaAPI(urls_namespace="bench_api", docs_url=None, openapi_url=None, auth=api_auth)


@floor_api.get("/floor")
def api_floor(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/floor", floor, name="bench_floor"),
    path("__bench__/api/", floor_api.urls),
    path("", include("incubator.urls")),
]
