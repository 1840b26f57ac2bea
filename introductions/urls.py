from django.urls import path

from .web import views

app_name = "introductions"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("counts/", views.counts, name="counts"),
]
