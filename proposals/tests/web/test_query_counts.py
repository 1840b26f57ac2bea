"""The detail page runs the same number of queries with 5 or 50 comments and members."""

import pytest

from members.tests.factories import UserFactory
from proposals import selectors, services
from proposals.choices import Status
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

MAX_DETAIL_QUERIES = 15


def _busy_proposal(proposer, size: int):
    proposal = make_proposal(proposer=proposer, status=Status.DISCUSSION, roles=("designer",))
    for index in range(size):
        person = UserFactory()
        if index % 2:
            add_member(proposal, user=person)
        else:
            services.membership_request(proposal=proposal, user=person, role="writer")
        services.comment_create(proposal=proposal, author=person, body=f"**コメント{index}**")
        services.cheer_toggle(proposal=proposal, user=person)
    services.proposal_transition(proposal=proposal, to="team_forming", by=proposer)
    return proposal


@pytest.mark.parametrize("size", [5, 50])
def test_detail_queries_do_not_grow(member_client, member, django_assert_max_num_queries, size):
    proposal = _busy_proposal(member, size)
    url = proposal.get_absolute_url()
    member_client.get(url)

    with django_assert_max_num_queries(MAX_DETAIL_QUERIES):
        response = member_client.get(url)

    assert response.status_code == 200
    shown = min(size, selectors.COMMENTS_PAGE)  # the latest page of the discussion
    assert response.content.decode().count('class="comment"') == shown


@pytest.mark.parametrize("size", [5, 50])
def test_detail_queries_do_not_grow_for_a_visitor(client, django_assert_max_num_queries, size):
    proposal = _busy_proposal(UserFactory(), size)
    client.force_login(UserFactory())
    client.get(proposal.get_absolute_url())

    with django_assert_max_num_queries(MAX_DETAIL_QUERIES):
        response = client.get(proposal.get_absolute_url())

    assert response.status_code == 200
