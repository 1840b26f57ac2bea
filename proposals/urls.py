from django.urls import path

from . import board_views, views

app_name = "proposals"

urlpatterns = [
    # The kanban board is a signed-in member's home page (issue: the kanban board).
    path("", board_views.board, name="board"),
    path("proposals/", views.proposal_list, name="list"),
    path("proposals/<int:pk>/", views.proposal_detail, name="detail"),
]
