"""The moderators' webhook pages: who may open them, and each action through the real services."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.tests.factories import make_proposal
from webhooks import dispatch
from webhooks.models import Endpoint, WebhookDelivery
from workers.events import EventKind

from .conftest import Answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_moderator(client, moderator):
    client.force_login(moderator)
    return client


def _pages(endpoint: Endpoint, delivery_id: int) -> list[tuple[str, str]]:
    pk = endpoint.pk
    return [
        ("get", reverse("webhooks:list")),
        ("get", reverse("webhooks:create")),
        ("post", reverse("webhooks:create")),
        ("get", reverse("webhooks:detail", args=[pk])),
        ("get", reverse("webhooks:edit", args=[pk])),
        ("post", reverse("webhooks:edit", args=[pk])),
        ("post", reverse("webhooks:rotate", args=[pk])),
        ("post", reverse("webhooks:ping", args=[pk])),
        ("post", reverse("webhooks:turn_off", args=[pk])),
        ("post", reverse("webhooks:turn_on", args=[pk])),
        ("post", reverse("webhooks:delete", args=[pk])),
        ("post", reverse("webhooks:retry", args=[pk, delivery_id])),
    ]


def test_no_webhook_page_is_open_to_anyone_but_moderators(client, endpoint_for, receiver):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    secret = endpoint.secret
    proposal_services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")
    delivery = WebhookDelivery.objects.get()
    form = {"name": "Mine now", "url": receiver.url, "events": ["commented"]}

    for method, url in _pages(endpoint, delivery.pk):
        response = getattr(client, method)(url, form if method == "post" else None)
        assert response.status_code == 302 and "login" in response["Location"], url

    client.force_login(UserFactory())
    for method, url in _pages(endpoint, delivery.pk):
        response = getattr(client, method)(url, form if method == "post" else None)
        assert response.status_code == 403, url
        assert "moderators" in response.content.decode()
        assert secret not in response.content.decode()

    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.secret, endpoint.active) == ("Dashboard", secret, True)
    assert Endpoint.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_an_unknown_webhook_is_not_found(as_moderator):
    assert as_moderator.get(reverse("webhooks:detail", args=[999])).status_code == 404
    assert as_moderator.post(reverse("webhooks:rotate", args=[999])).status_code == 404


def test_the_moderation_and_insight_pages_lead_to_the_webhooks(as_moderator):
    webhooks = reverse("webhooks:list")
    assert webhooks in as_moderator.get(reverse("moderation:page")).content.decode()
    assert webhooks in as_moderator.get(reverse("insight:page")).content.decode()


def test_a_moderator_adds_a_webhook_and_sees_its_secret_once(as_moderator, receiver, moderator):
    response = as_moderator.post(
        reverse("webhooks:create"),
        {
            "name": "  Community   dashboard ",
            "url": receiver.url,
            "events": ["submitted", "commented"],
        },
    )

    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert endpoint.name == "Community dashboard"
    assert endpoint.events == ["submitted", "commented"]
    assert endpoint.created_by == moderator
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    page = response.content.decode()
    assert endpoint.secret in page and "will not be shown again" in page

    again = as_moderator.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in again
    listed = as_moderator.get(reverse("webhooks:list")).content.decode()
    assert "Community dashboard" in listed and endpoint.secret not in listed


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://127.0.0.1/hook", "local or private network (127.0.0.1)"),
        ("https://[::ffff:10.0.0.1]/hook", "local or private network"),
        ("https://169.254.169.254/latest/meta-data/", "local or private network"),
        ("http://93.184.216.34/hook", "starts with https://"),
        ("https://user:pw@93.184.216.34/hook", "user name and password"),
        ("https://93.184.216.34:99999/", "does not look like a web address"),
        ("https://[::1", "does not look like a web address"),
        ("https://exa mple.org/", "spaces"),
        ("https://no-such-host.invalid/hook", "could not find the host"),
        ("", "Please fill this in"),
    ],
)
def test_an_address_that_may_not_be_used_is_refused_on_the_form(as_moderator, url, says):
    response = as_moderator.post(
        reverse("webhooks:create"), {"name": "Dashboard", "url": url, "events": ["commented"]}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert says in page.replace("&#x27;", "'")
    assert 'value="Dashboard"' in page, "what they typed is still there"
    assert not Endpoint.objects.exists()


def test_a_webhook_needs_at_least_one_known_event(as_moderator, receiver):
    for events in ([], ["join_declined"], ["no_such_kind"]):
        response = as_moderator.post(
            reverse("webhooks:create"), {"name": "Dashboard", "url": receiver.url, "events": events}
        )
        assert response.status_code == 400
        assert not Endpoint.objects.exists()
    assert "Please choose at least one kind of event." in (
        as_moderator.post(
            reverse("webhooks:create"), {"name": "D", "url": receiver.url}
        ).content.decode()
    )


def test_a_moderator_changes_the_events_and_the_address(
    as_moderator, endpoint_for, receiver, settings
):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    form = as_moderator.get(reverse("webhooks:edit", args=[endpoint.pk])).content.decode()
    checked = re.findall(r'<input type="checkbox" name="events" value="(\w+)"[^>]*\bchecked', form)
    assert checked == ["commented"]

    response = as_moderator.post(
        reverse("webhooks:edit", args=[endpoint.pk]),
        {"name": "Stages", "url": receiver.url + "?v=2", "events": ["transitioned"]},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.url, endpoint.events) == (
        "Stages",
        receiver.url + "?v=2",
        ["transitioned"],
    )
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    refused = as_moderator.post(
        reverse("webhooks:edit", args=[endpoint.pk]),
        {"name": "Inside", "url": "https://10.0.0.1/", "events": ["commented"]},
    )
    assert refused.status_code == 400
    assert "local or private network (10.0.0.1)" in refused.content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.events) == ("Stages", ["transitioned"])


def test_a_new_secret_without_the_grace_replaces_the_old_one_at_once(
    as_moderator, endpoint_for, receiver
):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    old = endpoint.secret

    response = as_moderator.post(reverse("webhooks:rotate", args=[endpoint.pk]))

    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == ""
    assert endpoint.secret in response.content.decode()
    proposal_services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")
    dispatch.process(WebhookDelivery.objects.get().pk)
    [request] = receiver.requests
    assert not request.verified, "the receiver still has the old secret"
    assert "X-Incubator-Signature-Previous" not in request.headers
    assert receiver.verify(endpoint.secret, request.headers, request.body)


def test_the_old_secret_keeps_working_for_a_day_while_the_receiver_switches(
    as_moderator, endpoint_for, receiver
):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    old = endpoint.secret
    detail = as_moderator.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert 'name="keep_old" value="1" checked' in detail  # the default in the form

    response = as_moderator.post(reverse("webhooks:rotate", args=[endpoint.pk]), {"keep_old": "1"})

    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()
    assert old not in response.content.decode()
    assert "the old one keeps working for 24 hours" in response.content.decode()
    assert "The old one still works until" in response.content.decode()
    author = UserFactory()
    proposal_services.comment_create(proposal=make_proposal(), author=author, body="x")
    dispatch.process(WebhookDelivery.objects.get().pk)
    [request] = receiver.requests
    # The receiver (the documented snippet) on the old secret accepts it, and on the new one.
    assert request.verified and receiver.verify(endpoint.secret, request.headers, request.body)
    # A day later only the new secret signs.
    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    proposal_services.comment_create(proposal=make_proposal(), author=author, body="y")
    dispatch.process(WebhookDelivery.objects.latest("pk").pk)
    later = receiver.requests[-1]
    assert not later.verified and "X-Incubator-Signature-Previous" not in later.headers
    assert receiver.verify(endpoint.secret, later.headers, later.body)
    page = as_moderator.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert "The old one still works until" not in page


def test_the_log_shows_each_attempt_and_retry_now_sends_again(
    as_moderator, endpoint_for, receiver, published
):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    proposal_services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")
    delivery = WebhookDelivery.objects.get()
    receiver.answer(Answer(status=404, body="no hook here"))
    dispatch.process(delivery.pk)
    detail = reverse("webhooks:detail", args=[endpoint.pk])

    page = as_moderator.get(detail).content.decode()
    assert "HTTP 404" in page and "no hook here" in page
    assert str(delivery.uuid) in page
    assert reverse("webhooks:retry", args=[endpoint.pk, delivery.pk]) in page

    response = as_moderator.post(reverse("webhooks:retry", args=[endpoint.pk, delivery.pk]))
    assert response.status_code == 302
    assert WebhookDelivery.objects.get().status == "pending"
    dispatch.process(delivery.pk)

    page = as_moderator.get(detail).content.decode()
    assert page.count("HTTP 404") >= 1 and "HTTP 200" in page
    assert "Delivered" in page and "Failed" in page
    assert reverse("webhooks:retry", args=[endpoint.pk, delivery.pk]) not in page


def test_a_test_event_from_the_page_reaches_the_receiver(as_moderator, endpoint_for, receiver):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])

    response = as_moderator.post(reverse("webhooks:ping", args=[endpoint.pk]))

    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get(kind="ping")
    dispatch.process(delivery.pk)
    assert receiver.requests[0].verified
    page = as_moderator.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert "Test event" in page and "HTTP 200" in page


def test_a_webhook_turned_off_by_failures_is_turned_on_again_with_its_failed_deliveries(
    as_moderator, endpoint_for, receiver, settings, published
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 1
    endpoint = endpoint_for(events=[EventKind.COMMENTED])
    proposal_services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")
    receiver.answer(Answer(status=410))
    dispatch.process(WebhookDelivery.objects.get().pk)
    detail = reverse("webhooks:detail", args=[endpoint.pk])

    page = as_moderator.get(detail).content.decode()
    assert "This webhook is off" in page and "after 1 failed delivery in a row" in page
    assert as_moderator.post(reverse("webhooks:ping", args=[endpoint.pk])).status_code == 302
    assert not WebhookDelivery.objects.filter(kind="ping").exists(), "no test event while off"

    as_moderator.post(reverse("webhooks:turn_on", args=[endpoint.pk]), {"resend": "1"})

    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0
    assert WebhookDelivery.objects.get().status == "pending"


def test_a_moderator_turns_a_webhook_off_and_deletes_it(as_moderator, endpoint_for):
    endpoint = endpoint_for(events=[EventKind.COMMENTED])

    as_moderator.post(reverse("webhooks:turn_off", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert (
        "Turned off by a moderator"
        in as_moderator.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    )

    response = as_moderator.post(reverse("webhooks:delete", args=[endpoint.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("webhooks:list")
    assert not Endpoint.objects.exists()
    assert "No webhooks yet." in as_moderator.get(reverse("webhooks:list")).content.decode()


def test_the_disabled_notification_leads_to_the_webhook(
    as_moderator, endpoint_for, receiver, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 1
    endpoint = endpoint_for(events=[EventKind.COMMENTED], name="Old dashboard")
    proposal_services.comment_create(proposal=make_proposal(), author=UserFactory(), body="x")
    receiver.answer(Answer(status=410))
    dispatch.process(WebhookDelivery.objects.get().pk)

    inbox = as_moderator.get(reverse("workers:list")).content.decode()

    assert "The webhook “Old dashboard” was turned off after 1 failed delivery" in inbox
    assert reverse("webhooks:detail", args=[endpoint.pk]) in inbox
