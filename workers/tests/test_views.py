"""The notification list, the unread badge, mark read / all read, email and Slack DM settings."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Proposal
from proposals.tests.factories import make_proposal
from workers import services as notify
from workers.events import Channel, EmailMode, EventKind
from workers.models import Delivery, EmailPreference, SlackDmPreference

pytestmark = pytest.mark.django_db


def _member_with_news(count: int = 3):
    member = UserFactory()
    first = make_proposal(title="Proposal A")
    second = make_proposal(title="Proposal B")
    for proposal in (first, second):
        services.follow_set(proposal=proposal, user=member, following=True)
    author = UserFactory()
    for index in range(count):
        services.comment_create(proposal=first if index % 2 else second, author=author, body="x")
    return member, first, second


def _unread(member) -> int:
    return Delivery.objects.filter(
        channel=Channel.INAPP, recipient=member, read_at__isnull=True
    ).count()


def test_the_list_groups_by_proposal_newest_first(client):
    member, _first, _second = _member_with_news(3)
    client.force_login(member)
    response = client.get(reverse("workers:list"))
    assert response.status_code == 200
    groups = response.context["page"].groups
    assert [g.title for g in groups] == ["Proposal B", "Proposal A"]
    assert [len(g.items) for g in groups] == [2, 1]
    assert all(item.unread for g in groups for item in g.items)


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    member, _first, _second = _member_with_news(count)
    client.force_login(member)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("workers:list")).status_code == 200


def test_mark_one_read_and_all_read(client):
    member, _first, _second = _member_with_news(3)
    client.force_login(member)
    one = Delivery.objects.filter(channel=Channel.INAPP, recipient=member).first()
    response = client.post(reverse("workers:read", args=[one.pk]))
    assert response.status_code == 302
    assert _unread(member) == 2

    response = client.post(reverse("workers:read_all"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _unread(member) == 0
    assert b'id="notifications"' in response.content


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/proposals/", "/proposals/"),
        ("/notifications/?page=2", "/notifications/?page=2"),
        ("notaurl", "/notifications/"),
        ("https://evil.example/", "/notifications/"),
        ("//evil.example/", "/notifications/"),
        ("/\\evil.example/", "/notifications/"),
        ("http://testserver/proposals/", "/notifications/"),
        ("javascript:alert(1)", "/notifications/"),
        ("", "/notifications/"),
    ],
)
def test_mark_read_goes_back_only_to_a_page_of_this_site(client, next_url, lands_on):
    member, _first, _second = _member_with_news(1)
    client.force_login(member)
    one = Delivery.objects.get(channel=Channel.INAPP, recipient=member)

    response = client.post(reverse("workers:read", args=[one.pk]), {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == lands_on
    assert _unread(member) == 0


def test_one_member_cannot_mark_anothers_notifications(client):
    member, _first, _second = _member_with_news(1)
    client.force_login(UserFactory())
    theirs = Delivery.objects.get(channel=Channel.INAPP, recipient=member)
    client.post(reverse("workers:read", args=[theirs.pk]))
    client.post(reverse("workers:read_all"))
    assert _unread(member) == 1


@pytest.mark.parametrize("proposal", ["9" * 5000, "12a", "-3", "４２"])
def test_an_odd_proposal_in_mark_all_read_marks_them_all_never_an_error(client, proposal):
    member, _first, _second = _member_with_news(2)
    client.force_login(member)
    response = client.post(reverse("workers:read_all"), {"proposal": proposal})
    assert response.status_code == 302
    assert _unread(member) == 0


def test_the_unread_badge(client):
    member, _first, _second = _member_with_news(3)
    client.force_login(member)
    html = client.get(reverse("workers:list")).content.decode()
    assert '<span class="badge" aria-hidden="true">3</span>' in html
    assert '<span class="visually-hidden">3 unread</span>' in html

    client.force_login(UserFactory())
    html = client.get(reverse("workers:list")).content.decode()
    assert 'class="nav-notifications">Notifications</a>' in html
    assert "unread</span>" not in html


def test_the_badge_drops_a_cheer_notice_once_the_member_cheers_too(client):
    proposal = make_proposal()
    follower = UserFactory()
    services.follow_set(proposal=proposal, user=follower, following=True)
    services.cheer_set(proposal=proposal, user=UserFactory(), cheered=True)
    client.force_login(follower)
    assert "1 unread" in client.get(reverse("workers:list")).content.decode()

    # Cheering joins the same batch, and nobody hears of their own cheer.
    services.cheer_set(proposal=proposal, user=follower, cheered=True)

    assert "unread</span>" not in client.get(reverse("proposals:list")).content.decode()


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(reverse("workers:list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_email_settings_show_defaults_and_save_choices(client):
    member = UserFactory()
    client.force_login(member)
    page = client.get(reverse("workers:email_settings"))
    rows = {row.kind: row.mode for row in page.context["rows"]}
    assert rows[EventKind.JOIN_REQUESTED] == EmailMode.IMMEDIATELY
    assert rows[EventKind.COMMENTED] == EmailMode.DIGEST

    client.post(
        reverse("workers:email_settings"),
        {f"mode-{EventKind.COMMENTED}": EmailMode.OFF, "mode-bogus": "loud"},
    )
    assert list(EmailPreference.objects.filter(user=member).values_list("kind", "mode")) == [
        (EventKind.COMMENTED, EmailMode.OFF)
    ]


def test_slack_dm_choices_show_only_once_slack_is_linked(client):
    member = UserFactory()
    client.force_login(member)
    page = client.get(reverse("workers:email_settings")).content.decode()
    assert 'name="dm-' not in page and "Slack DM" not in page
    # Posted anyway (an old form, a crafted request): nothing is saved for an unlinked member.
    client.post(reverse("workers:email_settings"), {f"dm-{EventKind.COMMENTED}": "on"})
    assert not SlackDmPreference.objects.exists()


def test_a_linked_member_sees_the_dm_defaults_and_saves_choices(client):
    member = UserFactory(slack_user_id="U0AIKO")
    client.force_login(member)
    page = client.get(reverse("workers:email_settings"))
    html = page.content.decode()
    dms = {row.kind: row.slack_dm for row in page.context["rows"]}
    assert {kind for kind, on in dms.items() if on} == {
        EventKind.INVITED,
        EventKind.MEETUP_REMINDER,
        EventKind.MEETUP_PROMOTED,
        EventKind.MEETUP_CANCELLED,
        EventKind.MEETUP_MOVED,
        EventKind.MEETUP_NARROWED,
        EventKind.COMMITMENT_ENDING,  # a question, answered with its buttons
        EventKind.AUTHOR_ASKED,  # "is this idea yours?", answered with its buttons
    }
    assert f'name="dm-{EventKind.INVITED}" value="on" checked' in html
    assert f'name="dm-{EventKind.COMMENTED}" value="on">' in html
    assert html.count('type="checkbox" name="dm-') == len(dms)

    # As the browser sends it: every kind's hidden "off", then "on" for the ticked boxes.
    form = [(f"dm-{kind}", "off") for kind in dms]
    form += [(f"dm-{EventKind.COMMENTED}", "on"), (f"dm-{EventKind.INVITED}", "off")]
    form += [(f"dm-{EventKind.MEETUP_REMINDER}", "on"), ("dm-bogus", "on")]
    body = "&".join(f"{key}={value}" for key, value in form)
    client.post(
        reverse("workers:email_settings"), body, content_type="application/x-www-form-urlencoded"
    )
    saved = dict(SlackDmPreference.objects.filter(user=member).values_list("kind", "enabled"))
    assert set(saved) == set(dms)
    assert {kind for kind, on in saved.items() if on} == {
        EventKind.COMMENTED,
        EventKind.MEETUP_REMINDER,
    }
    page = client.get(reverse("workers:email_settings"))
    assert {row.kind for row in page.context["rows"] if row.slack_dm} == {
        EventKind.COMMENTED,
        EventKind.MEETUP_REMINDER,
    }


def test_a_nudged_proposer_can_answer_still_going(client, settings):
    proposal = make_proposal()
    quiet_since = timezone.now() - timedelta(days=40)
    Proposal.objects.filter(pk=proposal.pk).update(last_activity_at=quiet_since)
    assert notify.quiet_proposals_nudge() == 1

    client.force_login(UserFactory())
    assert client.post(reverse("workers:still_going", args=[proposal.pk])).status_code == 403

    client.force_login(proposal.proposer)
    page = client.get(reverse("workers:list"))
    assert reverse("workers:still_going", args=[proposal.pk]).encode() in page.content
    response = client.post(reverse("workers:still_going", args=[proposal.pk]))
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).last_activity_at > quiet_since
    assert notify.quiet_proposals_nudge() == 0
