from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.moderation_page, name="page"),
    path("comments/<int:comment_id>/", views.comment_visibility, name="comment_visibility"),
    path("proposals/<int:pk>/move/", views.proposal_move, name="move"),
    path("deliveries/retry/", views.delivery_retry, name="retry"),
    path(
        "join-requests/<int:membership_id>/accept/",
        views.application_accept,
        name="accept",
    ),
    path(
        "join-requests/<int:membership_id>/decline/",
        views.application_decline,
        name="decline",
    ),
]
