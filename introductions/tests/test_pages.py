"""The pages: a member's own introductions and their answer, the organisers' counts, and the
choice on the settings page."""

from datetime import timedelta

import pytest
from django.core import mail

from introductions import services
from introductions.choices import Answer
from introductions.models import Introduction, IntroductionMember
from members.models import Introductions, User
from members.tests.factories import UserFactory
from workers import dispatch
from workers import selectors as worker_selectors
from workers.events import EventKind

from .factories import person, round_moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def introduced(published):
    aiko = person("aiko", "防災", display_name="あいこ")
    ben = person("ben", "防災", display_name="Ben")
    services.introductions_round_start(now=round_moment())
    return aiko, ben, Introduction.objects.get()


def test_my_introductions_show_who_what_we_share_and_how_to_say_hello(client, introduced):
    aiko, _ben, introduction = introduced
    client.force_login(aiko)

    page = client.get("/introductions/").content.decode()

    assert f'id="introduction-{introduction.pk}"' in page
    assert 'href="/members/ben/">Ben</a>' in page
    assert "防災" in page
    assert "A first question to ask: " in page
    assert 'href="mailto:ben@example.org"' in page
    assert "aiko@example.org" not in page  # one's own address is not repeated to oneself


@pytest.mark.parametrize(
    "change",
    [
        {"introductions": "off"},
        {"profile_visibility": "team"},
        {"is_active": False},
    ],
)
def test_the_email_stops_showing_once_they_take_it_back(client, introduced, change):
    """Opting in lets the people one meets see one's email; turning introductions off, keeping
    one's profile to one's teams or leaving takes that back (a pause does not)."""
    aiko, ben, _introduction = introduced
    User.objects.filter(pk=ben.pk).update(**change)
    client.force_login(aiko)
    page = client.get("/introductions/").content.decode()
    assert "ben@example.org" not in page
    assert "isn’t shown here" in page


def test_a_pause_keeps_the_email_showing(client, introduced):
    aiko, ben, _introduction = introduced
    User.objects.filter(pk=ben.pk).update(introductions="paused")
    client.force_login(aiko)
    assert 'href="mailto:ben@example.org"' in client.get("/introductions/").content.decode()


def test_someone_else_sees_nothing_of_it(client, introduced):
    client.force_login(UserFactory())

    page = client.get("/introductions/").content.decode()

    assert "ben@example.org" not in page and "Ben" not in page
    assert "No introductions yet." in page


def test_an_answer_from_the_page_is_saved_and_can_change(client, introduced):
    aiko, _ben, introduction = introduced
    client.force_login(aiko)
    path = f"/introductions/{introduction.pk}/answer/"

    response = client.post(path, {"answer": Answer.NOT_YET})
    assert response.status_code == 302
    assert response["Location"] == f"/introductions/#introduction-{introduction.pk}"
    client.post(path, {"answer": Answer.YES})

    seat = IntroductionMember.objects.get(member=aiko)
    assert seat.answer == Answer.YES and seat.answered_at is not None


def test_an_unknown_answer_is_refused_clearly_and_changes_nothing(client, introduced):
    aiko, _ben, introduction = introduced
    client.force_login(aiko)

    response = client.post(f"/introductions/{introduction.pk}/answer/", {"answer": "maybe"})

    assert response.status_code == 400
    assert "Please choose one of the answers." in response.content.decode()
    assert IntroductionMember.objects.get(member=aiko).answer == ""


def test_nobody_answers_for_an_introduction_that_is_not_theirs(client, introduced):
    _aiko, _ben, introduction = introduced
    client.force_login(UserFactory())

    response = client.post(f"/introductions/{introduction.pk}/answer/", {"answer": Answer.YES})

    assert response.status_code == 404
    assert set(IntroductionMember.objects.values_list("answer", flat=True)) == {""}


def test_a_week_later_those_not_on_slack_are_asked_in_the_app_once(
    client, introduced, django_capture_on_commit_callbacks, published
):
    aiko, ben, introduction = introduced
    services.introduction_answer(introduction_id=introduction.pk, member=ben, answer=Answer.YES)
    week_on = round_moment() + timedelta(days=7, minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.introductions_follow_up(now=week_on) == 1
        assert services.introductions_follow_up(now=week_on + timedelta(hours=1)) == 0

    [item] = [
        item
        for group in worker_selectors.notification_page(user=aiko).groups
        for item in group.items
        if item.kind == EventKind.INTRODUCTION_FOLLOW_UP
    ]
    assert item.text == "Did you get to talk with Ben?"
    assert item.url == f"/introductions/#introduction-{introduction.pk}"
    # Ben already said: he is not asked.
    assert not any(
        item.kind == EventKind.INTRODUCTION_FOLLOW_UP
        for group in worker_selectors.notification_page(user=ben).groups
        for item in group.items
    )
    # The follow-up comes in the daily digest by default, not as an email of its own.
    for call in published:
        if call.name == "workers.deliver":
            dispatch.process(*call.args)
    assert not [m for m in mail.outbox if "Did you get to talk" in m.subject]


def test_the_organisers_see_counts_and_never_names(client, introduced):
    aiko, _ben, introduction = introduced
    person("resting", "防災", introductions=Introductions.PAUSED)
    services.introduction_answer(introduction_id=introduction.pk, member=aiko, answer=Answer.YES)
    client.force_login(UserFactory(moderator=True))

    page = client.get("/introductions/counts/").content.decode()

    assert "あいこ" not in page and "Ben" not in page and "aiko" not in page
    cells = [cell.split("<")[0] for cell in page.split("<td>")[1:]]
    # asked, paused, introduced, left out, introductions, trios, on Slack, talked, not yet,
    # skipped, no answer
    assert cells[:11] == ["2", "0", "2", "0", "1", "0", "0", "1", "0", "0", "1"]


def test_members_cannot_see_the_counts(client, introduced):
    aiko, _ben, _introduction = introduced
    client.force_login(aiko)

    assert client.get("/introductions/counts/").status_code == 403


def test_the_settings_page_says_yes_pauses_and_says_no(client):
    member = UserFactory()
    client.force_login(member)
    page = client.get("/members/settings/").content.decode()
    assert "Yes, introduce me to someone every 2 weeks" in page
    assert member.introductions == Introductions.OFF  # nobody is introduced unless they ask

    for choice in (Introductions.ON, Introductions.PAUSED, Introductions.OFF):
        response = client.post(
            "/members/settings/", {"display_name": "Aiko", "introductions": choice}
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.introductions == choice


def test_the_settings_page_refuses_an_unknown_choice_and_keeps_the_saved_one(client):
    member = UserFactory(introductions=Introductions.ON)
    client.force_login(member)

    response = client.post("/members/settings/", {"display_name": "Aiko", "introductions": "x"})

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.introductions == Introductions.ON
