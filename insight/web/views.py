from django.http import Http404, HttpRequest, HttpResponse


def insight_page(request: HttpRequest) -> HttpResponse:
    raise Http404
