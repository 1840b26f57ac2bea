from django.urls import path

from . import board_views

app_name = "board"

# The board itself is "/" (proposals:board); these are its partials and its drop endpoint.
urlpatterns = [
    path("more/", board_views.board_more, name="more"),
    path("move/<int:pk>/", board_views.board_move, name="move"),
]
