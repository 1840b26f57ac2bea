"""Where the suggestions show: "people who might like to help" on a recruiting proposal's page for
its proposer and moderators, "teams looking for someone like you" on a member's own profile."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals.models import Proposal
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def kitchen():
    return make_proposal(
        title="子ども食堂", tags=["子ども・教育"], roles=("デザイン",), status="team_forming"
    )


@pytest.fixture
def helper():
    return UserFactory(
        username="helper", display_name="ひかり", interests=["子ども・教育"], skills="デザイン"
    )


def panel(html: str) -> str:
    if 'id="helpers"' not in html:
        return ""
    start = html.index('id="helpers"')
    return html[start : html.index("</section>", start)]


def test_the_proposer_and_moderators_see_people_who_might_like_to_help(client, kitchen, helper):
    for viewer in (kitchen.proposer, UserFactory(moderator=True)):
        client.force_login(viewer)
        html = panel(
            client.get(kitchen.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        )
        assert "ひかり" in html
        assert "Interests: 子ども・教育 · Skills: デザイン" in html
        assert reverse("members:profile", args=["helper"]) in html


def test_other_members_and_the_suggested_themselves_do_not_see_the_panel(client, kitchen, helper):
    for viewer in (UserFactory(), helper):
        client.force_login(viewer)
        assert panel(client.get(kitchen.get_absolute_url()).content.decode()) == ""


def test_no_panel_once_the_proposal_is_not_recruiting(client, kitchen, helper):
    Proposal.objects.filter(pk=kitchen.pk).update(status="done")
    client.force_login(kitchen.proposer)
    assert panel(client.get(kitchen.get_absolute_url()).content.decode()) == ""


def test_the_panel_costs_the_same_queries_for_5_or_50_candidates(client, kitchen):
    client.force_login(kitchen.proposer)
    counts = []
    for size in (5, 45):
        UserFactory.create_batch(size, interests=["子ども・教育"], skills="デザイン")
        client.get(kitchen.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(kitchen.get_absolute_url())
        assert response.context["helpers"]
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_my_profile_shows_teams_looking_for_someone_like_me(client, kitchen, helper):
    client.force_login(helper)
    html = client.get(
        reverse("members:profile", args=["helper"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    section = html[html.index('id="looking-for-you"') :]
    assert "子ども食堂" in section
    assert kitchen.get_absolute_url() in section
    assert "Interests: 子ども・教育 · Skills: デザイン" in section


def test_someone_elses_profile_does_not_show_what_fits_them(client, kitchen, helper):
    client.force_login(UserFactory())
    html = client.get(reverse("members:profile", args=["helper"])).content.decode()
    assert 'id="looking-for-you"' not in html


def test_after_opting_out_my_profile_says_so_kindly(client, kitchen, helper):
    helper.open_to_suggestions = False
    helper.save(update_fields=["open_to_suggestions"])
    client.force_login(helper)
    html = client.get(
        reverse("members:profile", args=["helper"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "You chose not to be suggested" in html
    assert "子ども食堂" not in html
