"""A long discussion comes a page at a time: the latest comments first, earlier ones on request."""

import re

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import selectors, services
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def _shown(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="comment[^"]*" id="comment-(\d+)"', html)]


@pytest.fixture
def discussion():
    proposal = make_proposal()
    author = UserFactory()
    comments = [
        services.comment_create(proposal=proposal, author=author, body=f"コメント {n}")
        for n in range(selectors.COMMENTS_PAGE + 5)
    ]
    return proposal, [comment.pk for comment in comments]


def test_the_page_shows_the_latest_comments_and_loads_earlier_ones(client, discussion):
    proposal, ids = discussion
    client.force_login(UserFactory())

    page = client.get(proposal.get_absolute_url()).content.decode()
    assert _shown(page) == ids[-selectors.COMMENTS_PAGE :]
    assert "Show earlier comments" in page

    earlier = client.get(
        reverse("proposals:comments", args=[proposal.pk]),
        {"before": ids[-selectors.COMMENTS_PAGE]},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert _shown(earlier) == ids[:5]
    assert "Show earlier comments" not in earlier

    everything = client.get(proposal.get_absolute_url(), {"all": "1"}).content.decode()
    assert _shown(everything) == ids


def test_hidden_comments_stay_hidden_on_every_page_but_for_moderators_and_their_author(
    client, discussion
):
    proposal, ids = discussion
    hidden = services.comment_set_hidden(
        comment=proposal.comments.get(pk=ids[0]), by=UserFactory(moderator=True), hidden=True
    )
    earlier_url = reverse("proposals:comments", args=[proposal.pk])
    before = {"before": ids[-selectors.COMMENTS_PAGE]}

    client.force_login(UserFactory())
    assert hidden.pk not in _shown(client.get(earlier_url, before).content.decode())
    client.force_login(hidden.author)
    assert hidden.pk in _shown(client.get(earlier_url, before).content.decode())
    client.force_login(UserFactory(moderator=True))
    assert hidden.pk in _shown(client.get(earlier_url, before).content.decode())


@pytest.mark.parametrize("before", ["", "x", "-1", "9" * 30, "²"])
def test_a_bad_page_request_is_a_clear_answer(client, before):
    proposal = make_proposal()
    client.force_login(UserFactory())
    response = client.get(reverse("proposals:comments", args=[proposal.pk]), {"before": before})
    assert response.status_code in (200, 400)
