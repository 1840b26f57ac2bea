"""The notification list a page at a time ("show older", with and without htmx), and times that
read 「3分前」 / "3 minutes ago"."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers import selectors
from workers.events import Channel
from workers.models import Delivery
from workers.templatetags.relative_time import ago

pytestmark = pytest.mark.django_db


def _member_with(count: int):
    member = UserFactory()
    proposal = make_proposal(title="Garden")
    services.follow_set(proposal=proposal, user=member, following=True)
    author = UserFactory()
    for index in range(count):
        services.comment_create(proposal=proposal, author=author, body=f"comment {index}")
    return member


def _texts(page) -> list[str]:
    return [item.quote for group in page.groups for item in group.items]


def test_pages_follow_each_other_without_gaps_or_repeats():
    member = _member_with(7)
    # Several at the same moment: the order still holds, by id.
    Delivery.objects.filter(recipient=member).update(created_at=timezone.now())

    first = selectors.notification_page(user=member, size=3)
    second = selectors.notification_page(user=member, older_than=first.older_than, size=3)
    third = selectors.notification_page(user=member, older_than=second.older_than, size=3)

    seen = _texts(first) + _texts(second) + _texts(third)
    assert seen == [f"comment {index}" for index in reversed(range(7))]
    assert third.older_than is None


def test_show_older_with_htmx_is_the_next_page_only(client, settings):
    member = _member_with(selectors.NOTIFICATIONS_PAGE + 2)
    client.force_login(member)

    html = client.get(reverse("workers:list")).content.decode()
    first = selectors.notification_page(user=member)
    assert f"?older_than={first.older_than}" in html
    assert "comment 1<" not in html

    response = client.get(
        reverse("workers:list"), {"older_than": first.older_than}, headers={"HX-Request": "true"}
    )
    older = response.content.decode()
    assert response.status_code == 200
    assert "comment 1<" in older and "comment 0<" in older
    assert "<html" not in older and "older_than" not in older


def test_show_older_without_javascript_is_a_whole_page(client):
    member = _member_with(selectors.NOTIFICATIONS_PAGE + 1)
    client.force_login(member)
    first = selectors.notification_page(user=member)

    html = client.get(reverse("workers:list"), {"older_than": first.older_than}).content.decode()

    assert "<html" in html and "comment 0<" in html
    assert "Back to the newest notifications" in html


@pytest.mark.parametrize("cursor", ["abc", "-1", "１２", "9" * 30])
def test_a_bad_page_address_is_a_clear_error(client, cursor):
    client.force_login(_member_with(1))
    response = client.get(reverse("workers:list"), {"older_than": cursor})
    assert response.status_code == 400


def test_another_members_notification_is_no_page_of_mine(client):
    theirs = Delivery.objects.filter(recipient=_member_with(1), channel=Channel.INAPP).get()
    client.force_login(UserFactory())
    response = client.get(reverse("workers:list"), {"older_than": theirs.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("count", [3, 60])
def test_a_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    member = _member_with(count)
    client.force_login(member)
    first = selectors.notification_page(user=member)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("workers:list")).status_code == 200
    if first.older_than:
        with django_assert_max_num_queries(6):
            response = client.get(
                reverse("workers:list"),
                {"older_than": first.older_than},
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 200


@pytest.mark.parametrize(
    ("language", "minutes", "expected"),
    [
        ("ja", 3, "3分前"),
        ("en", 3, "3\xa0minutes ago"),
        ("ja", 60 * 24 * 2 + 5, "2日前"),
        ("en", 60 * 5 + 30, "5\xa0hours ago"),
    ],
)
def test_times_read_how_long_ago(language, minutes, expected):
    now = timezone.now()
    with override(language):
        assert ago(now - timedelta(minutes=minutes), now) == expected


def test_a_moment_ago_or_a_clock_ahead_is_just_now():
    now = timezone.now()
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now + timedelta(seconds=5), now) == "just now"


def test_the_list_says_how_long_ago_with_the_exact_time_in_a_title(client):
    member = _member_with(1)
    Delivery.objects.filter(recipient=member).update(
        created_at=timezone.now() - timedelta(minutes=3)
    )
    client.force_login(member)
    html = client.get(reverse("workers:list")).content.decode()
    assert "3\xa0minutes ago</time>" in html
