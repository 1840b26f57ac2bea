"""A member's own time zone: chosen in their settings (the community's, Asia/Tokyo, unless they
say otherwise), and used for every time a page shows them or reads from them."""

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members import services
from members.forms import ProfileForm
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MIDDLEWARE = "members.middleware.UserTimeZoneMiddleware"


@pytest.fixture(autouse=True)
def zone_middleware(settings):
    """The middleware where it belongs, right after the one that knows the member (added to the
    settings' list when that does not name it yet)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        chain = list(settings.MIDDLEWARE)
        chain.insert(
            chain.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, MIDDLEWARE
        )
        settings.MIDDLEWARE = chain


def profile(**fields) -> dict:
    return {
        "display_name": "",
        "bio": "",
        "interests": "",
        "skills": "",
        "availability": "",
        "preferred_language": "",
        "time_zone": "",
    } | fields


def test_the_settings_offer_common_zones_with_tokyo_first(client):
    member = UserFactory()
    client.force_login(member)
    form = client.get(reverse("members:settings")).context["form"]
    values = [value for value, _label in form.fields["time_zone"].choices]
    assert values[:2] == ["", "Asia/Tokyo"]
    assert {"America/New_York", "Europe/Berlin", "UTC"} <= set(values)
    labels = dict(form.fields["time_zone"].choices)
    assert str(labels[""]) == "The community’s time zone (Asia/Tokyo)"
    assert labels["Asia/Tokyo"] == "(UTC+09:00) Asia/Tokyo"


def test_a_member_chooses_a_zone_and_can_go_back_to_the_communitys(client):
    member = UserFactory()
    client.force_login(member)
    response = client.post(reverse("members:settings"), profile(time_zone="Europe/Berlin"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.time_zone == "Europe/Berlin"
    page = client.get(reverse("members:settings")).content.decode()
    assert '<option value="Europe/Berlin" selected>' in page
    client.post(reverse("members:settings"), profile(time_zone=""))
    member.refresh_from_db()
    assert member.time_zone == ""


def test_a_zone_that_does_not_exist_is_refused_and_nothing_changes(client):
    member = UserFactory(time_zone="Europe/Berlin", display_name="みなみ")
    client.force_login(member)
    response = client.post(
        reverse("members:settings"),
        profile(time_zone="Mars/Olympus_Mons", display_name="新しい名前"),
    )
    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    member.refresh_from_db()
    assert (member.time_zone, member.display_name) == ("Europe/Berlin", "みなみ")
    with pytest.raises(ValidationError) as refused:
        services.profile_update(user=member, display_name="", time_zone="Mars/Olympus_Mons")
    assert "time_zone" in refused.value.message_dict


def test_any_known_zone_is_kept_and_offered_back_when_editing():
    member = UserFactory()
    services.profile_update(user=member, display_name="", time_zone="America/Argentina/Salta")
    member.refresh_from_db()
    assert member.time_zone == "America/Argentina/Salta"
    form = ProfileForm.for_user(member)
    assert "America/Argentina/Salta" in dict(form.fields["time_zone"].choices)
    # Saving the rest of the profile without saying a zone keeps it.
    services.profile_update(user=member, display_name="みなみ")
    member.refresh_from_db()
    assert member.time_zone == "America/Argentina/Salta"


def test_the_zone_is_the_members_during_their_request_and_the_communitys_after(client):
    member = UserFactory(time_zone="America/New_York")
    client.force_login(member)
    response = client.get(reverse("meetups:list"))
    assert "Times are in America/New_York." in response.content.decode()
    assert timezone.get_current_timezone_name() == "Asia/Tokyo"
    client.logout()
    client.force_login(UserFactory())
    assert "Times are in Asia/Tokyo." in client.get(reverse("meetups:list")).content.decode()


def test_a_zone_the_machine_no_longer_knows_falls_back_to_the_communitys(client):
    member = UserFactory()
    type(member).objects.filter(pk=member.pk).update(time_zone="Gone/Renamed_Zone")
    client.force_login(member)
    response = client.get(reverse("meetups:list"))
    assert response.status_code == 200
    assert "Times are in Asia/Tokyo." in response.content.decode()


def test_the_members_zone_reads_as_a_zoneinfo():
    assert UserFactory(time_zone="Europe/Berlin").zone == ZoneInfo("Europe/Berlin")
    assert UserFactory().zone is None  # the community's
