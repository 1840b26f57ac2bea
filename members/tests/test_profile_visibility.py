"""Who sees a member (community or only their teams) and whether they are suggested: chosen on
the settings page, kept by profile_update."""

import pytest
from django.urls import reverse

from members import services
from members.models import ProfileVisibility, User
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("members:settings")


def settings_data(**fields) -> dict:
    data = {
        "display_name": "さくら",
        "bio": "",
        "interests": "",
        "skills": "",
        "availability": "",
        "preferred_language": "",
        "time_zone": "",
    }
    data.update(fields)
    return data


def test_new_members_show_their_profile_to_the_community_and_are_open_to_suggestions():
    member = UserFactory()
    assert member.profile_visibility == ProfileVisibility.COMMUNITY
    assert member.open_to_suggestions is True


def test_the_settings_page_explains_that_the_name_still_shows_where_one_takes_part(client):
    client.force_login(UserFactory())
    page = client.get(SETTINGS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="profile_visibility" value="team"' in page
    assert 'name="open_to_suggestions"' in page
    assert "Your name still shows where you take part" in page


def test_a_member_chooses_team_only_and_no_suggestions_then_goes_back(client):
    member = UserFactory()
    client.force_login(member)
    response = client.post(SETTINGS, settings_data(profile_visibility="team"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.profile_visibility == ProfileVisibility.TEAM
    assert member.open_to_suggestions is False  # the box was left unticked

    client.post(SETTINGS, settings_data(profile_visibility="community", open_to_suggestions="on"))
    member.refresh_from_db()
    assert member.profile_visibility == ProfileVisibility.COMMUNITY
    assert member.open_to_suggestions is True


def test_a_visibility_that_does_not_exist_is_refused_kindly(client):
    member = UserFactory()
    client.force_login(member)
    response = client.post(SETTINGS, settings_data(profile_visibility="everyone-on-earth"))
    assert response.status_code == 400
    assert User.objects.get(pk=member.pk).profile_visibility == ProfileVisibility.COMMUNITY


def test_the_service_refuses_an_unknown_visibility_and_keeps_the_saved_one_when_not_given():
    member = UserFactory()
    services.profile_update(user=member, display_name="x", profile_visibility="team")
    services.profile_update(user=member, display_name="y")
    assert User.objects.get(pk=member.pk).profile_visibility == ProfileVisibility.TEAM
    with pytest.raises(services.ValidationError):
        services.profile_update(user=member, display_name="z", profile_visibility="secret")
