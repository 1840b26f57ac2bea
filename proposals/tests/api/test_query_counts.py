"""The API list and detail run a fixed number of queries, however many proposals, comments, members."""

import pytest

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

# Token lookup and its last-used stamp, the page, its count, one query per prefetched relation;
# the detail adds the viewer's cheer/follow and the caller's moderator flag.
LIST_MAX_QUERIES = 8
DETAIL_MAX_QUERIES = 11
COMMENTS_MAX_QUERIES = 5


def _community(size: int):
    """`size` proposals; the first has `size` comments, members, join requests, cheers and moves."""
    proposals = [make_proposal(tags=["環境", f"テーマ{n}"]) for n in range(size)]
    busy = proposals[0]
    for n in range(size):
        add_member(busy, role="designer" if n % 2 else f"役割{n}")
        services.comment_create(proposal=busy, author=UserFactory(), body=f"コメント {n}")
        services.membership_request(proposal=busy, user=UserFactory(), role="designer")
        services.cheer_toggle(proposal=busy, user=UserFactory())
    busy = services.proposal_transition(proposal=busy, to="discussion", by=busy.proposer)
    for n in range(size - 1):
        target = "team_forming" if n % 2 == 0 else "discussion"
        busy = services.proposal_transition(proposal=busy, to=target, by=busy.proposer)
    return busy


@pytest.mark.parametrize("size", [5, 50])
def test_api_queries_do_not_grow(as_member, django_assert_max_num_queries, size):
    busy = _community(size)
    api = as_member(busy.proposer)

    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        listed = api.get("/proposals", page_size=100).json()
    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        detail = api.get(f"/proposals/{busy.pk}").json()
    with django_assert_max_num_queries(COMMENTS_MAX_QUERIES):
        comments = api.get(f"/proposals/{busy.pk}/comments", page_size=100).json()

    assert len(listed["items"]) == size
    assert len(detail["members"]) == size + 1
    assert len(detail["join_requests"]) == size
    assert len(detail["history"]) == size
    assert comments["count"] == size
