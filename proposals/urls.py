from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("proposals/<int:pk>/", views.proposal_detail, name="detail"),
]
