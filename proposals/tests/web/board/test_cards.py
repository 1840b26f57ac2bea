"""What a card shows (places as counts, faces, the viewer's relation, compact badges), the stage tabs,
and the list filtering by the board's names."""

import re

import pytest
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.models import Cheer, Membership, Proposal
from proposals.selectors import OpenRole
from proposals.templatetags.cards import card_facts, initials, role_slots
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

BOARD = reverse("proposals:board")
LIST = reverse("proposals:list")


def _card(html: str, proposal) -> str:
    return html.split(f'id="card-{proposal.pk}"', 1)[1].split("\n</li>", 1)[0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Hana Sato", "HS"), ("hana", "H"), ("がんちゃん", "が"), ("田中 花子", "田"), ("", "?")],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_own_card_says_so_and_shows_open_places_as_filled_of_wanted(member_client, member):
    mine = make_proposal(proposer=member, status=Status.TEAM_FORMING, roles=("デザイナー",))
    add_member(mine, role="デザイナー")
    other = make_proposal(title="ほかの人の提案", roles=())

    html = member_client.get(BOARD).content.decode()

    card = _card(html, mine)
    assert "Your proposal" in card and "Needs people" in card
    assert '<span class="card-role-slots" aria-hidden="true">1/2</span>' in card
    assert "1 of 2 places filled" in card
    # Faces, then "+N": together the whole team (the proposer's face at least; the others' once
    # the board's selector loads the members, until then counted in "+N").
    faces = card.count('class="avatar avatar-tone-')
    more = re.search(r'class="avatar-more">\+(\d+)<', card)
    assert faces >= 1 and faces + (int(more.group(1)) if more else 0) == 2
    assert "team of 2" in card
    other_card = _card(html, other)
    assert "Your proposal" not in other_card and "Needs people" not in other_card
    assert "card-roles" not in other_card


def test_a_long_title_is_whole_in_the_link_and_its_tooltip(member_client):
    title = "とても長いタイトル" * 6
    proposal = make_proposal(title=title)
    card = _card(member_client.get(BOARD).content.decode(), proposal)
    assert f'title="{title}">{title}</a>' in card


def test_time_in_stage_is_a_short_badge_with_the_sentence_for_screen_readers(member_client):
    proposal = make_proposal()
    card = _card(member_client.get(BOARD).content.decode(), proposal)
    assert '<span class="visually-hidden">In this stage for less than a day</span>' in card
    assert '<span aria-hidden="true">today</span>' in card


def test_faces_and_relation_from_loaded_members_and_cheers():
    """With the team's members and the viewer's cheer loaded (see the board selector's prefetch),
    a card shows up to four faces then "+N", and the viewer on the team or cheering."""
    viewer = UserFactory(display_name="Hana Sato")
    proposal = make_proposal(status=Status.TEAM_FORMING, roles=("designer", "writer"))
    add_member(proposal, user=viewer, role="designer")
    add_member(proposal, role="designer")
    for _ in range(2):
        add_member(proposal, role="writer")
    cheered = make_proposal(roles=())
    services.cheer_toggle(proposal=cheered, user=viewer)

    loaded = {
        p.pk: p
        for p in Proposal.objects.select_related("proposer")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(status=MembershipStatus.ACCEPTED)
                .select_related("user")
                .order_by("pk"),
                to_attr="board_team",
            )
        )
        .annotate(viewer_cheered=Exists(Cheer.objects.filter(proposal=OuterRef("pk"), user=viewer)))
    }

    team = card_facts(loaded[proposal.pk], viewer)
    assert [face.name for face in team.faces][:2] == [
        proposal.proposer.public_name,
        "Hana Sato",
    ]
    assert len(team.faces) == 4 and team.more == 1  # five on the team
    assert team.faces[1].initials == "HS"
    assert (team.relation_kind, team.relation) == ("team", "On the team")
    fan = card_facts(loaded[cheered.pk], viewer)
    assert (fan.relation_kind, fan.cheered) == ("cheered", True)
    assert card_facts(loaded[cheered.pk], cheered.proposer).relation == "Your proposal"


def test_role_slots_read_filled_of_wanted():
    [slot] = role_slots([OpenRole(name="デザイナー", wanted=1, filled=0, pace="週2h")])
    assert (slot.name, slot.slots, slot.spoken, slot.pace) == (
        "デザイナー",
        "0/1",
        "0 of 1 place filled",
        "週2h",
    )


def test_stage_tabs_count_each_column_and_no_plain_span_has_an_aria_label(member_client):
    make_proposal()
    make_proposal()
    make_proposal(status=Status.RUNNING)

    html = member_client.get(BOARD).content.decode()

    tabs = html.split("data-stage-tabs>", 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'data-stage="(\w+)"', tabs) == [
        "idea",
        "discussion",
        "team_forming",
        "running",
        "done",
    ]
    assert '<span class="tab-count" aria-hidden="true">2</span>' in tabs
    assert "2 proposals" in tabs and "1 proposal" in tabs
    assert not re.search(r"<span[^>]*aria-label", html.split('id="board"', 1)[1])


def test_every_page_links_the_favicon(member_client):
    html = member_client.get(LIST).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html


class TestListFiltersAsTheBoard:
    def titles(self, client, **params) -> set[str]:
        response = client.get(LIST, params)
        assert response.status_code == 200
        return {proposal.title for proposal in response.context["page"].object_list}

    def test_theme_with_the_older_tag_name_too(self, member_client):
        make_proposal(title="川辺の清掃", tags=["環境"])
        make_proposal(title="見守り活動", tags=["福祉"])
        assert self.titles(member_client, theme="環境") == {"川辺の清掃"}
        assert self.titles(member_client, tag="環境") == {"川辺の清掃"}

    def test_looking_for_people_means_what_it_means_on_the_board(self, member_client):
        make_proposal(title="仲間を探している", status=Status.TEAM_FORMING)
        full = make_proposal(title="満員", status=Status.TEAM_FORMING, roles=("designer",))
        add_member(full)
        add_member(full)
        make_proposal(title="終わった", status=Status.DONE)
        assert self.titles(member_client, looking="1") == {"仲間を探している"}

    def test_interests_and_the_stage_together(self, client):
        member = UserFactory(interests=["福祉"])
        client.force_login(member)
        make_proposal(title="見守り活動", tags=["福祉"], status=Status.RUNNING)
        make_proposal(title="福祉の話し合い", tags=["福祉"], status=Status.DISCUSSION)
        make_proposal(title="川辺の清掃", tags=["環境"], status=Status.RUNNING)
        assert self.titles(client, interests="1", status="running") == {"見守り活動"}

    def test_the_form_keeps_what_was_chosen_with_the_boards_look(self, member_client):
        make_proposal(tags=["環境"])
        html = member_client.get(
            LIST, {"theme": "環境", "q": "清掃", "looking": "1", "status": "running"}
        ).content.decode()
        assert 'id="list-filters" class="filters-bar"' in html
        assert '<option value="環境" selected>' in html and 'value="清掃"' in html
        assert 'name="looking" value="1" checked' in html
        assert '<option value="running" selected>' in html
        assert 'name="archived"' not in html  # the list's stage filter covers paused ones
