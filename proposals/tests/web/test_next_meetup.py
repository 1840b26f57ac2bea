"""A proposal's next meetup shows on its card (board and list) and its page, and the board's poll
sees it come and go."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meetups import services as meetups
from meetups.choices import Visibility
from meetups.tests.factories import make_meetup
from members.tests.factories import UserFactory
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    proposer = UserFactory()
    proposal = make_proposal(proposer=proposer, status="team_forming", title="川辺の清掃")
    helper = add_member(proposal).user
    return proposal, proposer, helper


def _card(html: str, proposal) -> str:
    return html.split(f'id="card-{proposal.pk}"', 1)[1].split("</li>", 1)[0]


def test_the_next_meetup_is_on_the_card_the_list_and_the_page(client, team):
    proposal, proposer, _helper = team
    soon = timezone.now() + timedelta(days=3)
    later = make_meetup(
        by=proposer, proposal=proposal, title="二回目", starts_at=soon + timedelta(days=7)
    )
    first = make_meetup(by=proposer, proposal=proposal, title="キックオフ", starts_at=soon)
    client.force_login(UserFactory())

    board = client.get("/").content.decode()
    card = _card(board, proposal)
    assert f'href="/meetups/{first.pk}/"' in card and "キックオフ" in card
    assert f"/meetups/{later.pk}/" not in card
    listed = client.get("/proposals/").content.decode()
    assert f'href="/meetups/{first.pk}/"' in listed
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Next meetup" in page and f'href="/meetups/{first.pk}/"' in page


def test_a_team_only_meetup_shows_to_the_team_and_not_to_others(client, team):
    proposal, proposer, helper = team
    kickoff = make_meetup(by=proposer, proposal=proposal, visibility=Visibility.TEAM)

    client.force_login(helper)
    assert f"/meetups/{kickoff.pk}/" in _card(client.get("/").content.decode(), proposal)
    client.force_login(UserFactory())
    assert f"/meetups/{kickoff.pk}/" not in client.get("/").content.decode()
    assert f"/meetups/{kickoff.pk}/" not in client.get(proposal.get_absolute_url()).content.decode()


def test_the_board_poll_sees_a_new_and_a_cancelled_meetup(client, team):
    proposal, proposer, _helper = team
    client.force_login(UserFactory())
    etag = client.get("/", headers={"HX-Request": "true"})["ETag"]
    assert client.get("/", headers={"HX-Request": "true", "If-None-Match": etag}).status_code == 304

    meetup = make_meetup(by=proposer, proposal=proposal)
    changed = client.get("/", headers={"HX-Request": "true", "If-None-Match": etag})
    assert changed.status_code == 200 and f"/meetups/{meetup.pk}/" in changed.content.decode()

    meetups.meetup_cancel(meetup=meetup, by=proposer)
    again = client.get("/", headers={"HX-Request": "true", "If-None-Match": changed["ETag"]})
    assert again.status_code == 200 and f"/meetups/{meetup.pk}/" not in again.content.decode()


def test_the_team_is_offered_to_plan_one_and_others_are_not(client, team):
    proposal, proposer, helper = team
    plan = f'href="/meetups/new/?proposal={proposal.pk}"'
    for person, offered in ((proposer, True), (helper, True), (UserFactory(), False)):
        client.force_login(person)
        assert (plan in client.get(proposal.get_absolute_url()).content.decode()) is offered


def test_the_board_poll_sees_a_meetup_end_and_a_new_time_zone(client, team):
    import time_machine

    proposal, proposer, _helper = team
    starts = timezone.now() + timedelta(hours=1)
    meetup = make_meetup(by=proposer, proposal=proposal, starts_at=starts, hours=1)
    viewer = UserFactory()
    client.force_login(viewer)
    poll = {"HX-Request": "true"}
    first = client.get("/", headers=poll)
    assert f"/meetups/{meetup.pk}/" in first.content.decode()

    with time_machine.travel(starts + timedelta(hours=1, minutes=20), tick=False):
        later = client.get("/", headers=poll | {"If-None-Match": first["ETag"]})
    assert later.status_code == 200 and f"/meetups/{meetup.pk}/" not in later.content.decode()

    etag = client.get("/", headers=poll)["ETag"]
    viewer.time_zone = "Europe/Berlin"
    viewer.save(update_fields=["time_zone"])
    assert client.get("/", headers=poll | {"If-None-Match": etag}).status_code == 200


def test_who_sees_a_team_only_meetup_on_the_cards(team):
    """The board's lookup decides with permissions.can_see: the team, the hosts (on the team or
    not) and moderators; of two meetups, each viewer gets the first they may see."""
    from meetups.selectors import next_meetups_for

    proposal, proposer, helper = team
    outside_host, moderator, stranger = UserFactory(), UserFactory(moderator=True), UserFactory()
    soon = timezone.now() + timedelta(days=1)
    kickoff = make_meetup(
        by=proposer,
        proposal=proposal,
        visibility=Visibility.TEAM,
        starts_at=soon,
        co_hosts=[outside_host],
    )
    open_day = make_meetup(by=proposer, proposal=proposal, starts_at=soon + timedelta(days=2))
    other = make_proposal(title="別の提案")

    def first(user):
        found = next_meetups_for([proposal.pk, other.pk], user=user)
        assert other.pk not in found
        return found[proposal.pk].pk

    assert first(helper) == first(proposer) == first(outside_host) == kickoff.pk
    assert first(moderator) == kickoff.pk
    assert first(stranger) == open_day.pk
