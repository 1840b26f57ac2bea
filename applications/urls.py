from django.urls import path

from .web import views

app_name = "applications"

urlpatterns = [
    path("", views.apply, name="apply"),
    path("sent/", views.sent, name="sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("join/<str:token>/", views.join, name="join"),
    path("review/", views.review, name="review"),
    path("review/<int:pk>/approve/", views.approve, name="approve"),
    path("review/<int:pk>/decline/", views.decline, name="decline"),
    path("review/<int:pk>/ask/", views.ask, name="ask"),
    path("review/<int:pk>/reinvite/", views.reinvite, name="reinvite"),
    path("guidelines/", views.guidelines, name="guidelines"),
]
