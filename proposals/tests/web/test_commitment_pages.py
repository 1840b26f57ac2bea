"""Commitments with an end on the web (issue 13): "for how long?" when asking to join and when
accepting an invitation; the question's page (the notification's and the email's link) to
continue or finish with thanks; the people who helped on the proposal's page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus
from proposals.models import Membership, Proposal
from proposals.tests.factories import make_proposal
from workers import tasks
from workers.events import CommitmentEventKind
from workers.models import Delivery

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
UNTIL = date(2031, 6, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2031, 3, 10, 10, 0, tzinfo=TOKYO), tick=False) as traveller:
        yield traveller


@pytest.fixture
def proposal():
    return make_proposal(title="子ども食堂", roles=("designer",), status="team_forming")


@pytest.fixture
def member(proposal):
    request = services.membership_request(
        proposal=proposal, user=UserFactory(display_name="ひかり"), role="designer", until=UNTIL
    )
    return services.membership_accept(membership=request, by=proposal.proposer)


def join(client, proposal, **fields):
    data = {"role_choice": "designer", "availability": "", "message": "", **fields}
    return client.post(reverse("proposals:join", args=[proposal.pk]), data)


def errors(response) -> str:
    html = response.content.decode()
    start = html.index('class="field until')
    return html[start : html.index("</fieldset>", start)]


# --- for how long, when asking to join ----------------------------------------------------------


def test_the_join_form_offers_no_end_about_1_3_6_months_or_a_day(client, proposal):
    client.force_login(UserFactory())
    page = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="until_choice" value="" ' in page and "No end date" in page
    assert "About 1 month (until Apr 10, 2031)" in page
    assert "About 3 months (until Jun 10, 2031)" in page
    assert "About 6 months (until Sep 10, 2031)" in page
    assert 'name="until_date"' in page and 'type="date"' in page


@pytest.mark.parametrize(
    ("fields", "until"),
    [
        ({}, None),
        ({"until_choice": ""}, None),
        ({"until_choice": "1"}, date(2031, 4, 10)),
        ({"until_choice": "6"}, date(2031, 9, 10)),
        ({"until_choice": "date", "until_date": "2031-05-05"}, date(2031, 5, 5)),
        # A day typed in counts even if "no end date" was left ticked.
        ({"until_choice": "", "until_date": "2031-05-05"}, date(2031, 5, 5)),
    ],
)
def test_asking_to_join_keeps_the_end_chosen(client, proposal, fields, until):
    joiner = UserFactory()
    client.force_login(joiner)
    assert join(client, proposal, **fields).status_code == 302
    assert Membership.objects.get(user=joiner).until == until


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"until_choice": "date", "until_date": "2031-03-10"}, "Please choose a day after today."),
        ({"until_choice": "date", "until_date": "2020-01-01"}, "Please choose a day after today."),
        ({"until_choice": "date", "until_date": "2099-01-01"}, "within the next two years"),
        ({"until_choice": "date", "until_date": "someday"}, "Please give a date, e.g. 2030-04-30."),
        ({"until_choice": "date", "until_date": "2031-02-30"}, "Please give a date"),
        ({"until_choice": "date", "until_date": ""}, "Please choose the day."),
        ({"until_choice": "12"}, "Please choose one of the options."),
    ],
)
def test_a_day_that_cannot_be_is_shown_on_the_form_and_nothing_is_sent(
    client, proposal, fields, words
):
    joiner = UserFactory()
    client.force_login(joiner)
    response = join(client, proposal, message="やってみたいです", **fields)
    assert response.status_code == 400
    assert words in errors(response)
    assert "やってみたいです" in response.content.decode()  # what they wrote is kept
    assert not Membership.objects.filter(user=joiner).exists()


def test_the_team_shows_until_when_and_the_member_can_change_it(client, proposal, member):
    client.force_login(proposal.proposer)
    page = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "designer · until Jun 10, 2031" in page
    client.force_login(member.user)
    page = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You offered your time until Jun 10, 2031." in page
    assert reverse("proposals:commitment", args=[member.pk]) in page
    # How long someone offered is for the team and the people who steer it, not for everyone.
    client.force_login(UserFactory())
    page = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "· until Jun 10, 2031" not in page and "designer" in page


# --- accepting an invitation --------------------------------------------------------------------


def test_accepting_an_invitation_asks_for_how_long_too(client, proposal):
    person = UserFactory()
    invitation = services.invitation_create(
        proposal=proposal, invitee=person, role="designer", by=proposal.proposer
    )
    client.force_login(person)
    url = reverse("proposals:invitation_accept", args=[invitation.pk])
    page = client.get(reverse("proposals:invitation", args=[invitation.pk])).content.decode()
    assert 'name="until_choice"' in page

    refused = client.post(url, {"until_choice": "date", "until_date": "2020-01-01"})
    assert refused.status_code == 400
    assert "Please choose a day after today." in errors(refused)
    assert not Membership.objects.filter(user=person).exists()

    assert client.post(url, {"until_choice": "3"}).status_code == 302
    membership = Membership.objects.get(user=person)
    assert (membership.status, membership.until) == (MembershipStatus.ACCEPTED, UNTIL)


# --- the question's page ------------------------------------------------------------------------


def test_the_question_links_to_its_page_which_only_the_member_opens(client, member):
    with time_machine.travel(datetime(2031, 6, 3, 10, 0, tzinfo=TOKYO), tick=False):
        tasks.ask_about_commitments()
    delivery = Delivery.objects.get(event__kind=CommitmentEventKind.ENDING, channel="inapp")
    url = reverse("proposals:commitment", args=[member.pk])
    client.force_login(member.user)
    assert url in client.get(reverse("workers:list")).content.decode()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You offered your time until Jun 10, 2031." in page
    # "N more months" count from the end planned so far.
    assert "About 1 month (until Jul 10, 2031)" in page
    assert "Keep going, with no end date" in page
    assert delivery.recipient_id == member.user_id

    for other in (member.proposal.proposer, UserFactory(moderator=True)):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert (
            client.post(reverse("proposals:commitment_finish", args=[member.pk])).status_code == 404
        )
    client.logout()
    assert client.get(url).status_code == 302  # signs in first
    member.refresh_from_db()
    assert member.status == MembershipStatus.ACCEPTED


def test_continue_from_the_page_moves_the_day(client, member):
    client.force_login(member.user)
    response = client.post(
        reverse("proposals:commitment_continue", args=[member.pk]),
        {"until_choice": "1", "seen_until": "2031-06-10"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"{member.proposal.get_absolute_url()}#team")
    member.refresh_from_db()
    assert member.until == date(2031, 7, 10)
    assert "You&#x27;re on the team until Jul 10, 2031." in response.content.decode()

    # The same form sent again (another tab) changes nothing and says so.
    again = client.post(
        reverse("proposals:commitment_continue", args=[member.pk]),
        {"until_choice": "1", "seen_until": "2031-06-10"},
        follow=True,
    )
    assert "You have already answered this one." in again.content.decode()
    member.refresh_from_db()
    assert member.until == date(2031, 7, 10)


def test_continue_with_a_day_that_cannot_be_shows_why(client, member):
    client.force_login(member.user)
    response = client.post(
        reverse("proposals:commitment_continue", args=[member.pk]),
        {"until_choice": "date", "until_date": "2031-03-01", "seen_until": "2031-06-10"},
    )
    assert response.status_code == 400
    assert "Please choose a day after today." in errors(response)
    member.refresh_from_db()
    assert member.until == UNTIL


def test_finish_from_the_page_thanks_and_shows_them_among_the_people_who_helped(
    client, proposal, member
):
    client.force_login(member.user)
    response = client.post(reverse("proposals:commitment_finish", args=[member.pk]), follow=True)
    assert "Thank you so much for your time with the team." in response.content.decode()
    member.refresh_from_db()
    assert member.status == MembershipStatus.FINISHED
    assert Proposal.objects.get(pk=proposal.pk).member_count == 1

    client.force_login(UserFactory())
    page = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = page.index('id="team"')
    team, helped = page[start : page.index('id="helped"')], page[page.index('id="helped"') :]
    assert "People who have helped" in helped  # これまでに関わった人
    assert "ひかり" not in team
    assert "ひかり" in helped[: helped.index("</ul>")]
    told = Delivery.objects.get(event__kind=CommitmentEventKind.FINISHED, channel="inapp")
    assert told.recipient_id == proposal.proposer_id

    client.force_login(member.user)
    page = client.get(reverse("proposals:commitment", args=[member.pk])).content.decode()
    assert "commitment_finish" not in page and 'name="until_choice"' not in page
    again = client.post(reverse("proposals:commitment_finish", args=[member.pk]), follow=True)
    assert "You have already finished your time here." in again.content.decode()


def test_the_question_s_email_is_tuned_on_the_email_settings_page(client, member):
    client.force_login(member.user)
    url = reverse("workers:email_settings")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The time you offered a team is ending" in page
    assert 'name="mode-commitment_ending" value="immediately" checked' in page
    client.post(url, {"mode-commitment_ending": "off"})
    with time_machine.travel(datetime(2031, 6, 3, 10, 0, tzinfo=TOKYO), tick=False):
        tasks.ask_about_commitments()
    kinds = set(
        Delivery.objects.filter(event__kind=CommitmentEventKind.ENDING).values_list(
            "channel", flat=True
        )
    )
    assert kinds == {"inapp"}
