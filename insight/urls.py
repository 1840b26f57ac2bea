from django.urls import path

from .web import views

app_name = "insight"

urlpatterns = [
    path("", views.insight_page, name="page"),
]
