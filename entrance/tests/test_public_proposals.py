"""Marking a proposal public (its proposer, or a moderator), being named to visitors (the member's
own choice), and what the public page and a public proposal's page then show."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entrance import selectors
from members.tests.factories import UserFactory
from proposals import services
from proposals.errors import ActionNotPermitted
from proposals.models import Proposal
from proposals.tests.api.conftest import ApiClient
from proposals.tests.factories import add_member, make_proposal
from proposals.tests.web.conftest import form_data

pytestmark = pytest.mark.django_db


def _visitor_sees(text: str, path: str = "/") -> bool:
    return text in Client().get(path).content.decode()


def test_a_new_proposal_is_not_public_until_its_proposer_says_so(client):
    proposer = UserFactory()
    client.force_login(proposer)
    form = client.get(reverse("proposals:create")).content.decode()
    assert "visitors outside the community can see the title, summary, stage and open roles" in (
        form.lower()
    )
    client.post(reverse("proposals:create"), form_data(title="まだ内緒の案", summary="ひとこと"))
    hidden = Proposal.objects.get(title="まだ内緒の案")
    assert hidden.is_public is False
    assert not _visitor_sees("まだ内緒の案")
    assert Client().get(f"/p/{hidden.pk}/").status_code == 404

    client.post(
        reverse("proposals:create"),
        form_data(title="みんなに見せたい案", summary="見てほしい", is_public="on"),
    )
    shown = Proposal.objects.get(title="みんなに見せたい案")
    assert _visitor_sees("みんなに見せたい案")
    assert _visitor_sees("見てほしい", f"/p/{shown.pk}/")


def test_the_proposer_marks_it_public_on_the_edit_page_and_unmarks_it(client):
    proposer = UserFactory()
    proposal = make_proposal(proposer=proposer, title="ベンチをつくる", summary="公園にベンチを")
    client.force_login(proposer)
    edit = reverse("proposals:edit", args=[proposal.pk])
    assert not _visitor_sees("ベンチをつくる")

    client.post(edit, form_data(title="ベンチをつくる", summary="公園にベンチを", is_public="on"))
    assert _visitor_sees("ベンチをつくる")
    assert _visitor_sees("公園にベンチを", f"/p/{proposal.pk}/")
    assert 'id="id_is_public" checked' in client.get(edit).content.decode()

    client.post(edit, form_data(title="ベンチをつくる", summary="公園にベンチを"))
    assert not _visitor_sees("ベンチをつくる")
    assert Client().get(f"/p/{proposal.pk}/").status_code == 404


def test_only_the_proposer_or_a_moderator_decides_whether_visitors_see_it():
    proposal = make_proposal()
    teammate = add_member(proposal).user
    with pytest.raises(ActionNotPermitted):
        services.proposal_update(proposal=proposal, by=teammate, is_public=True)
    assert Proposal.objects.get(pk=proposal.pk).is_public is False
    moderator = UserFactory(moderator=True)
    services.proposal_update(proposal=proposal, by=moderator, is_public=True)
    assert Proposal.objects.get(pk=proposal.pk).is_public is True
    # Another edit that does not mention it leaves the choice as it is.
    services.proposal_update(proposal=proposal, by=proposal.proposer, title="別の題")
    assert Proposal.objects.get(pk=proposal.pk).is_public is True


def test_a_paused_proposal_leaves_the_public_page_and_a_done_one_keeps_its_page():
    running = make_proposal(title="走っている案", status="running", is_public=True)
    paused = make_proposal(title="ひと休み中の案", status="archived", is_public=True)
    done = make_proposal(title="やり終えた案", status="done", is_public=True)
    page = Client().get("/").content.decode()
    assert "走っている案" in page
    assert "ひと休み中の案" not in page and "やり終えた案" not in page  # "being tried now"
    assert Client().get(f"/p/{paused.pk}/").status_code == 404
    assert _visitor_sees("やり終えた案", f"/p/{done.pk}/")
    assert _visitor_sees("Running", f"/p/{running.pk}/")


def test_a_member_is_named_to_visitors_only_when_they_choose_it(client):
    member = UserFactory(display_name="ゆいと")
    proposal = make_proposal(proposer=member, title="星を見る会", is_public=True)
    assert not _visitor_sees("ゆいと", f"/p/{proposal.pk}/")
    assert _visitor_sees("Proposed by a member", f"/p/{proposal.pk}/")

    client.force_login(member)
    settings_page = client.get(reverse("members:settings")).content.decode()
    assert "Show my name to visitors" in settings_page
    data = {"display_name": "ゆいと", "open_to_suggestions": "on", "show_name_to_visitors": "on"}
    assert client.post(reverse("members:settings"), data).status_code == 302
    assert _visitor_sees("Proposed by ゆいと", f"/p/{proposal.pk}/")
    assert _visitor_sees("Proposed by ゆいと")

    client.post(reverse("members:settings"), {"display_name": "ゆいと"})
    assert not _visitor_sees("ゆいと", f"/p/{proposal.pk}/")


def test_open_roles_shrink_as_people_join_and_go_once_filled():
    proposal = make_proposal(
        title="翻訳チーム", roles=("翻訳",), status="team_forming", is_public=True
    )
    page = f"/p/{proposal.pk}/"
    assert _visitor_sees("2 places open", page)
    add_member(proposal, role="翻訳")
    assert _visitor_sees("1 place open", page)
    add_member(proposal, role="翻訳")
    assert not _visitor_sees("翻訳</", page) and not _visitor_sees("place open", page)


def test_the_public_page_answers_in_a_fixed_number_of_queries():
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get("/").status_code == 200
        return len(queries)

    for index in range(2):
        proposal = make_proposal(title=f"案{index}", status="team_forming", is_public=True)
        add_member(proposal)
    few = count()
    for index in range(2, 14):
        proposal = make_proposal(
            title=f"案{index}",
            status="team_forming",
            is_public=True,
            proposer=UserFactory(show_name_to_visitors=True),
        )
        add_member(proposal)
    assert count() == few


def test_a_long_public_list_goes_on_over_pages():
    proposals = [
        make_proposal(title=f"公開案{index:02d}", is_public=True)
        for index in range(selectors.PUBLIC_PROPOSALS_SHOWN + 3)
    ]
    newest_first = [p.title for p in reversed(proposals)]

    first = Client().get("/").content.decode()
    assert all(title in first for title in newest_first[: selectors.PUBLIC_PROPOSALS_SHOWN])
    assert not any(title in first for title in newest_first[selectors.PUBLIC_PROPOSALS_SHOWN :])
    assert 'rel="next" href="?page=2#trying-title"' in first and 'rel="prev"' not in first

    second = Client().get("/?page=2").content.decode()
    assert all(title in second for title in newest_first[selectors.PUBLIC_PROPOSALS_SHOWN :])
    assert newest_first[0] not in second
    assert 'rel="prev" href="?page=1#trying-title"' in second and 'rel="next"' not in second
    # Odd page numbers show a page, never an error.
    assert newest_first[0] in Client().get("/public/?page=nope").content.decode()
    assert newest_first[-1] in Client().get("/public/?page=99999999999999999999").content.decode()


def test_a_short_public_list_has_no_pages():
    make_proposal(title="ひとつだけ", is_public=True)
    page = Client().get("/").content.decode()
    assert "ひとつだけ" in page and 'class="pagination"' not in page


def test_members_still_land_on_the_board_and_can_see_the_public_page(client):
    make_proposal(title="みんなに見せたい", is_public=True)
    client.force_login(UserFactory())
    board = client.get("/").content.decode()
    assert 'id="board"' in board
    preview = client.get(reverse("entrance:public")).content.decode()
    assert "This is the page visitors see" in preview and "みんなに見せたい" in preview


def test_through_the_api_the_proposer_chooses_and_a_teammate_cannot():
    proposer = UserFactory()
    api = ApiClient(proposer)
    created = api.post("/proposals", {"title": "APIからの案", "summary": "ひとこと"}).json()
    assert created["is_public"] is False
    assert not _visitor_sees("APIからの案")

    shown = api.patch(f"/proposals/{created['id']}", {"is_public": True})
    assert shown.status_code == 200 and shown.json()["is_public"] is True
    assert _visitor_sees("APIからの案")

    proposal = Proposal.objects.get(pk=created["id"])
    teammate = add_member(proposal).user
    refused = ApiClient(teammate).patch(f"/proposals/{proposal.pk}", {"is_public": False})
    assert refused.status_code == 403
    assert _visitor_sees("APIからの案")
    assert (
        ApiClient(proposer).patch(f"/proposals/{proposal.pk}", {"is_public": "yes?"}).status_code
        == 400
    )


def test_every_visitors_page_leads_to_asking_to_join_logging_in_and_privacy():
    proposal = make_proposal(is_public=True)
    for path in ("/", f"/p/{proposal.pk}/", "/privacy/", reverse("account_login")):
        page = Client().get(path).content.decode()
        assert f'href="{reverse("applications:apply")}"' in page, path
        assert f'href="{reverse("account_login")}"' in page, path
        assert f'href="{reverse("entrance:privacy")}"' in page, path


def test_a_link_preview_asking_with_head_gets_an_answer():
    proposal = make_proposal(is_public=True)
    assert Client().head(f"/p/{proposal.pk}/").status_code == 200
    assert Client().head("/").status_code == 200
