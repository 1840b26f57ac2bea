"""The proposal list: cards, filters in the URL, pages, and a fixed number of queries."""

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

LIST = reverse("proposals:list")


def test_cards_show_what_a_member_needs_to_decide(member_client):
    proposal = make_proposal(title="公園の清掃", summary="月に一度、みんなで", tags=["環境"])
    add_member(proposal)
    services.cheer_toggle(proposal=proposal, user=UserFactory())
    services.comment_create(proposal=proposal, author=UserFactory(), body="参加したい")

    page = member_client.get(LIST).content.decode()

    for text in ("公園の清掃", "月に一度、みんなで", "Idea", proposal.proposer.public_name, "環境"):
        assert text in page
    # Two wanted, one accepted: 「designer 1/2」 (filled of wanted), in words for screen readers.
    assert '<span class="card-role-name">designer</span>' in page
    assert ">1/2</span>" in page and "1 of 2 places filled" in page
    assert "2 members" in page and "1 cheer" in page and "1 comment" in page


def test_filters_by_stage_theme_words_and_mine(member_client, member):
    mine = make_proposal(proposer=member, title="私の案", tags=["福祉"])
    joined = make_proposal(title="参加している案", status=Status.RUNNING)
    add_member(joined, user=member)
    other = make_proposal(title="ほかの案", summary="読書の会", status=Status.DISCUSSION)

    def titles(**params):
        response = member_client.get(LIST, params)
        return {proposal.title for proposal in response.context["page"].object_list}

    assert titles() == {mine.title, joined.title, other.title}
    assert titles(status="running") == {joined.title}
    assert titles(tag="福祉") == {mine.title}
    assert titles(q="読書") == {other.title}
    assert titles(mine="on") == {mine.title, joined.title}
    assert titles(status="nonsense") == {mine.title, joined.title, other.title}


def test_filters_stay_in_the_url_across_pages(member_client, settings):
    settings.PROPOSALS_PER_PAGE = 2
    for index in range(5):
        make_proposal(title=f"案{index}", status=Status.DISCUSSION)

    response = member_client.get(LIST, {"status": "discussion", "page": 2})

    page = response.content.decode()
    assert len(response.context["cards"]) == 2
    assert "Page 2 of 3" in page
    assert "?status=discussion&amp;page=3" in page
    assert member_client.get(LIST, {"page": "abc"}).status_code == 200
    assert member_client.get(LIST, {"page": "999"}).status_code == 200


def test_htmx_gets_only_the_results(member_client):
    make_proposal(title="部分だけ")

    response = member_client.get(LIST, {"q": "部分"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert 'id="results"' in page and "部分だけ" in page
    assert "<html" not in page


def test_an_empty_list_invites_a_first_idea(member_client):
    page = member_client.get(LIST).content.decode()
    assert "Yours could be the first" in page
    page = member_client.get(LIST, {"q": "存在しない"}).content.decode()
    assert "Nothing matches these filters" in page


def _populate(count: int) -> None:
    for index in range(count):
        proposal = make_proposal(title=f"案{index}", tags=[f"テーマ{index % 3}", "共通"])
        add_member(proposal)
        services.cheer_toggle(proposal=proposal, user=UserFactory())


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_runs_a_fixed_number_of_queries(
    member_client, django_assert_max_num_queries, count
):
    _populate(count)
    member_client.get(LIST)  # warm the session

    with django_assert_max_num_queries(12):
        response = member_client.get(LIST)
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        member_client.get(LIST, {"tag": "共通", "mine": "on", "q": "案"})


def test_finished_or_paused_proposals_do_not_ask_for_people(member_client):
    make_proposal(title="終わった案", status=Status.DONE, roles=("designer",))
    make_proposal(title="休んでいる案", status=Status.ARCHIVED, roles=("designer",))

    page = member_client.get(LIST).content.decode()

    results = page.split('id="results"', 1)[1]
    assert "終わった案" in results and "休んでいる案" in results
    assert "Looking for" not in results and "Needs people" not in results
