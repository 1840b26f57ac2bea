"""A quiet week: the settings page pauses notifications for seven days (as the Slack App Home's
button does) and says until when, in the member's time zone, with a way to resume."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("members:settings")
PAUSE = reverse("members:notifications_pause")


def test_a_member_pauses_notifications_for_a_week_and_resumes_them(client):
    member = UserFactory(preferred_language="en", time_zone="Europe/Berlin")
    client.force_login(member)
    page = client.get(SETTINGS).content.decode()
    assert "Need a quiet week?" in page and "Pause notifications for a week" in page

    # 03:00 in Tokyo is the evening before in Berlin: the day shown is Berlin's.
    with time_machine.travel(datetime(2031, 3, 6, 3, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False):
        client.force_login(member)
        response = client.post(PAUSE, {"pause": "1"}, follow=True)
        page = response.content.decode()
        member.refresh_from_db()
        assert member.notifications_paused_until == timezone.now() + timedelta(days=7)
    assert "Notifications are paused for a week. Enjoy the quiet." in page
    assert "Notifications are paused until Mar 12, 2031" in page
    assert "Resume notifications" in page

    page = client.post(PAUSE, {"pause": "0"}, follow=True).content.decode()
    member.refresh_from_db()
    assert member.notifications_paused_until is None
    assert "Notifications are back on." in page and "Need a quiet week?" in page


def test_a_pause_that_has_ended_is_not_shown(client):
    member = UserFactory(
        preferred_language="en", notifications_paused_until=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(member)
    assert "Need a quiet week?" in client.get(SETTINGS).content.decode()


def test_pausing_needs_a_signed_in_post(client):
    response = client.post(PAUSE, {"pause": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(PAUSE).status_code == 405
