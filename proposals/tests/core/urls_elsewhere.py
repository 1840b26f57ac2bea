"""The whole site under another path, as a URLconf of its own (test_links.py)."""

from django.urls import include, path

urlpatterns = [path("elsewhere/", include("incubator.urls"))]
