"""The board's "looking for someone like me" filter (issue 13): the teams the one scorer finds for
the viewer, on the page, in its poll's validator and in the API."""

import pytest

from members.tests.factories import UserFactory
from proposals.choices import Status
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return UserFactory(interests=["福祉"], skills="デザイン, 写真")


@pytest.fixture
def proposals():
    return {
        "theme": make_proposal(
            title="福祉の相談会", tags=["福祉"], roles=("受付",), status=Status.TEAM_FORMING
        ),
        "skill": make_proposal(
            title="チラシ作り", tags=["環境"], roles=("デザイン",), status=Status.TEAM_FORMING
        ),
        "neither": make_proposal(
            title="会計の見直し", tags=["環境"], roles=("会計",), status=Status.TEAM_FORMING
        ),
        # Fits, but not recruiting: nobody is looked for any more.
        "done": make_proposal(title="終わった福祉の企画", tags=["福祉"], status=Status.DONE),
    }


def _titles(html: str, proposals) -> set[str]:
    return {key for key, proposal in proposals.items() if f'id="card-{proposal.pk}"' in html}


def test_the_filter_shows_the_teams_that_fit_the_member(client, member, proposals):
    client.force_login(member)
    everything = client.get("/").content.decode()
    suited = client.get("/?suited=1").content.decode()

    assert _titles(everything, proposals) == {"theme", "skill", "neither", "done"}
    assert _titles(suited, proposals) == {"theme", "skill"}
    assert 'name="suited" value="1" checked' in suited


def test_a_member_not_open_to_suggestions_is_told_how_it_works(client, proposals):
    quiet = UserFactory(interests=["福祉"], skills="デザイン", open_to_suggestions=False)
    client.force_login(quiet)
    page = client.get("/?suited=1").content.decode()
    assert _titles(page, proposals) == set()
    assert "Nothing fits yet" in page


def test_the_poll_sees_a_new_team_that_fits(client, member, proposals):
    client.force_login(member)
    first = client.get("/?suited=1", HTTP_HX_REQUEST="true")
    assert (
        client.get(
            "/?suited=1", HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=first["ETag"]
        ).status_code
        == 304
    )
    make_proposal(title="新しい福祉の企画", tags=["福祉"], status=Status.TEAM_FORMING)
    again = client.get("/?suited=1", HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "新しい福祉の企画" in again.content.decode()


def test_the_api_filters_the_same_way(client, member, proposals):
    from members.services import api_token_create

    _token, raw = api_token_create(user=member, name="test")
    body = client.get("/api/v1/board?suited=true", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    titles = {card["title"] for column in body["columns"] for card in column["cards"]}
    assert titles == {"福祉の相談会", "チラシ作り"}
