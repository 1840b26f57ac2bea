from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    """The cheapest Django response: the same middleware as every page, no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/floor", floor, name="bench_floor"),
    path("", include("incubator.urls")),
]
