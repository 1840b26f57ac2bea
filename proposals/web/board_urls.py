from django.urls import path

from . import board

app_name = "board"

# The board itself is "/" (proposals:board); these are its partials and its drop endpoint.
urlpatterns = [
    path("more/", board.board_more, name="more"),
    path("move/<int:pk>/", board.board_move, name="move"),
]
