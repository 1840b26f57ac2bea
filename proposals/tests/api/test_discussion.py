"""Comments and cheers through the API."""

import pytest

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Cheer, Comment, Follow
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def test_comment_and_read_the_discussion(as_member):
    proposal = make_proposal()
    api = as_member()

    created = api.post(f"/proposals/{proposal.pk}/comments", {"body": "いいですね!**応援**します"})
    listed = api.get(f"/proposals/{proposal.pk}/comments")

    assert created.status_code == 201
    assert "<strong>応援</strong>" in created.json()["body_html"]
    assert created.json()["author"]["id"] == api.user.pk
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [created.json()["id"]]
    assert listed.json()["count"] == 1
    assert Follow.objects.filter(proposal=proposal, user=api.user).exists()


def test_hidden_comments_are_left_out(as_member):
    proposal = make_proposal()
    shown = services.comment_create(proposal=proposal, author=UserFactory(), body="ok")
    hidden = services.comment_create(proposal=proposal, author=UserFactory(), body="spam")
    services.comment_set_hidden(comment=hidden, by=UserFactory(moderator=True), hidden=True)

    data = as_member().get(f"/proposals/{proposal.pk}/comments").json()

    assert [c["id"] for c in data["items"]] == [shown.pk]
    assert data["count"] == 1
    assert data["items"][0]["is_hidden"] is False


def test_moderators_and_the_author_still_see_a_hidden_comment_marked_as_hidden(as_member):
    """As on the proposal page: a moderator can show it again, its author can still edit it."""
    proposal = make_proposal()
    author = UserFactory()
    shown = services.comment_create(proposal=proposal, author=UserFactory(), body="ok")
    hidden = services.comment_create(proposal=proposal, author=author, body="spam")
    services.comment_set_hidden(comment=hidden, by=UserFactory(moderator=True), hidden=True)

    for viewer in (UserFactory(moderator=True), author):
        data = as_member(viewer).get(f"/proposals/{proposal.pk}/comments").json()
        assert [(c["id"], c["is_hidden"]) for c in data["items"]] == [
            (shown.pk, False),
            (hidden.pk, True),
        ]
        assert data["count"] == 2


def test_comments_are_paginated_oldest_first(as_member):
    proposal = make_proposal()
    comments = [
        services.comment_create(proposal=proposal, author=proposal.proposer, body=f"#{n}")
        for n in range(5)
    ]

    data = as_member().get(f"/proposals/{proposal.pk}/comments", page=2, page_size=2).json()

    assert [c["id"] for c in data["items"]] == [comments[2].pk, comments[3].pk]
    assert data["count"] == 5


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001, None, 5, {"text": "x"}])
def test_bad_comments_are_a_400_and_save_nothing(as_member, body):
    proposal = make_proposal()

    response = as_member().post(f"/proposals/{proposal.pk}/comments", {"body": body})

    assert response.status_code == 400
    assert "body" in response.json()["details"]
    assert not Comment.objects.exists()


def test_comment_markdown_is_sanitised(as_member):
    proposal = make_proposal()

    response = as_member().post(
        f"/proposals/{proposal.pk}/comments",
        {"body": "<script>x()</script> [a](javascript:x()) <b hx-get='/'>b</b>"},
    )

    html = response.json()["body_html"]
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<b " not in html


def test_comments_on_an_unknown_proposal_are_a_404(as_member):
    api = as_member()

    assert api.get("/proposals/555555/comments").status_code == 404
    assert api.post("/proposals/555555/comments", {"body": "hi"}).status_code == 404
    assert not Comment.objects.exists()


def test_cheer_toggles_and_counts(as_member):
    proposal = make_proposal()
    api = as_member()
    as_member().post(f"/proposals/{proposal.pk}/cheer")

    first = api.post(f"/proposals/{proposal.pk}/cheer")
    second = api.post(f"/proposals/{proposal.pk}/cheer")

    assert first.json() == {"cheered": True, "cheer_count": 2}
    assert second.json() == {"cheered": False, "cheer_count": 1}
    assert Cheer.objects.filter(proposal=proposal).count() == 1
    detail = api.get(f"/proposals/{proposal.pk}").json()
    assert (detail["cheer_count"], detail["viewer"]["cheered"]) == (1, False)


def test_cheering_an_unknown_proposal_is_a_404(as_member):
    assert as_member().post("/proposals/777777/cheer").status_code == 404
