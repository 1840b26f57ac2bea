from django.urls import path

from . import board, views

app_name = "proposals"

urlpatterns = [
    # The kanban board is a signed-in member's home page (issue: the kanban board).
    path("", board.board, name="board"),
    path("proposals/", views.proposal_list, name="list"),
    path("proposals/new/", views.proposal_create, name="create"),
    path("proposals/preview/", views.markdown_preview, name="preview"),
    path("proposals/<int:pk>/", views.proposal_detail, name="detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("proposals/<int:pk>/move/", views.proposal_transition, name="transition"),
    path("proposals/<int:pk>/origin/answer/", views.origin_answer, name="origin_answer"),
    path("proposals/<int:pk>/join/", views.membership_request, name="join"),
    path("proposals/<int:pk>/leave/", views.membership_leave, name="leave"),
    path("proposals/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("proposals/<int:pk>/discussion/", views.proposal_comments, name="comments"),
    path("proposals/<int:pk>/cheer/", views.cheer_toggle, name="cheer"),
    path("proposals/<int:pk>/follow/", views.follow_set, name="follow"),
    path("proposals/<int:pk>/slack-replies/", views.proposal_slack_replies, name="slack_replies"),
    path(
        "proposals/join-requests/<int:membership_id>/accept/",
        views.membership_accept,
        name="membership_accept",
    ),
    path(
        "proposals/join-requests/<int:membership_id>/decline/",
        views.membership_decline,
        name="membership_decline",
    ),
    path("proposals/comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path(
        "proposals/comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"
    ),
    path("proposals/comments/<int:comment_id>/hide/", views.comment_hide, name="comment_hide"),
    path("proposals/<int:pk>/invite/", views.invitation_create, name="invite"),
    path("invitations/<int:invitation_id>/", views.invitation_detail, name="invitation"),
    path(
        "invitations/<int:invitation_id>/accept/",
        views.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        views.invitation_decline,
        name="invitation_decline",
    ),
    path("commitments/<int:membership_id>/", views.commitment_detail, name="commitment"),
    path(
        "commitments/<int:membership_id>/continue/",
        views.commitment_continue,
        name="commitment_continue",
    ),
    path(
        "commitments/<int:membership_id>/finish/",
        views.commitment_finish,
        name="commitment_finish",
    ),
]
