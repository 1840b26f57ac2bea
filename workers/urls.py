from django.urls import path

from . import views

app_name = "workers"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read", views.notification_read, name="read"),
    path("read-all", views.notification_read_all, name="read_all"),
    path("settings/", views.email_settings, name="email_settings"),
    path("still-going/<int:proposal_id>", views.still_going, name="still_going"),
]
