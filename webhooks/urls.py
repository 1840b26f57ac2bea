from django.urls import path

from .web import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="edit"),
    path("<int:pk>/secret/", views.secret_rotate, name="rotate"),
    path("<int:pk>/test/", views.endpoint_ping, name="ping"),
    path("<int:pk>/turn-off/", views.endpoint_turn_off, name="turn_off"),
    path("<int:pk>/turn-on/", views.endpoint_turn_on, name="turn_on"),
    path("<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="retry",
    ),
]
