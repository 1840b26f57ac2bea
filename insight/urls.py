from django.urls import path

from .web import views

app_name = "insight"

urlpatterns = [
    path("", views.insight_page, name="page"),
    path("<slug:table>.csv", views.insight_csv, name="csv"),
    path("export/<slug:kind>.<str:fmt>", views.export, name="export"),
]
