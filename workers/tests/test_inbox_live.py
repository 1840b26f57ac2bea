"""After "mark read" / "mark all read" (htmx) the answer carries the truth: the item as it reads now,
the navigation's unread badge swapped in place, and "mark all read" only while something is unread."""

import re

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal
from workers.events import Channel
from workers.models import Delivery

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _member_with(count: int):
    member = UserFactory()
    proposal = make_proposal()
    services.follow_set(proposal=proposal, user=member, following=True)
    for index in range(count):
        services.comment_create(proposal=proposal, author=UserFactory(), body=f"c{index}")
    return member, list(
        Delivery.objects.filter(channel=Channel.INAPP, recipient=member).order_by("pk")
    )


def _badge(html: str) -> str:
    [badge] = re.findall(r'<a href="/notifications/" id="nav-notifications"[^>]*>.*?</a>', html)
    return badge


def test_read_and_unread_items_look_different(client):
    member, deliveries = _member_with(2)
    client.force_login(member)
    client.post(reverse("workers:read", args=[deliveries[0].pk]))

    html = client.get(reverse("workers:list")).content.decode()

    assert f'id="notification-{deliveries[0].pk}" class="notification is-read"' in html
    assert f'id="notification-{deliveries[1].pk}" class="notification is-unread"' in html
    assert html.count(">Unread</span>") == 1


def test_mark_one_read_answers_with_the_item_and_the_new_badge(client):
    member, deliveries = _member_with(2)
    client.force_login(member)

    response = client.post(reverse("workers:read", args=[deliveries[0].pk]), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li id="notification-{deliveries[0].pk}"')
    assert "is-read" in html and ">Unread</span>" not in html
    badge = _badge(html)
    assert 'hx-swap-oob="true"' in badge and "1 unread" in badge
    # One is still unread: "mark all read" stays.
    assert 'id="notification-actions"' in html and "Mark all as read" in html


def test_marking_the_last_one_read_empties_the_badge_and_hides_mark_all(client):
    member, [delivery] = _member_with(1)
    client.force_login(member)

    html = client.post(reverse("workers:read", args=[delivery.pk]), headers=HTMX).content.decode()

    assert "unread" not in _badge(html)
    assert "Mark all as read" not in html
    assert "Mark all as read" not in client.get(reverse("workers:list")).content.decode()


def test_mark_all_read_answers_with_the_list_and_an_empty_badge(client):
    member, _deliveries = _member_with(3)
    client.force_login(member)
    assert "Mark all as read" in client.get(reverse("workers:list")).content.decode()

    html = client.post(reverse("workers:read_all"), headers=HTMX).content.decode()

    assert 'id="notifications"' in html
    assert "is-unread" not in html and html.count("is-read") == 3
    assert "unread" not in _badge(html)
    assert 'id="notification-actions" class="notification-actions" hx-swap-oob="true"' in html
    assert "Mark all as read" not in html


def test_marking_someone_elses_notification_read_is_not_found(client):
    _member, [theirs] = _member_with(1)
    client.force_login(UserFactory())
    response = client.post(reverse("workers:read", args=[theirs.pk]), headers=HTMX)
    assert response.status_code == 404
    assert Delivery.objects.get(pk=theirs.pk).read_at is None
