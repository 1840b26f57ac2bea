"""Commitments with an end (issue 13): a time offered until a day; the gentle question a week
before, one reminder on the day, then nothing; continue (a new day, asked about in its turn) or
finish with thanks (off the team, among the people who helped, the proposer told kindly).

Days are the community's (Asia/Tokyo); beat's job runs twice on each day to show it sends once."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from members.tests.factories import UserFactory
from proposals import commitments, selectors, services
from proposals.choices import MembershipStatus
from proposals.errors import ActionConflict, ActionNotPermitted
from proposals.models import Membership, Proposal
from proposals.tests.factories import make_proposal
from workers import tasks
from workers.events import CommitmentEventKind, EmailMode
from workers.models import Delivery, EmailPreference
from workers.selectors import notification_path, notification_text

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
JOINED = date(2031, 3, 1)
UNTIL = date(2031, 4, 30)


def at(day: date, hour: int = 9, minute: int = 40) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


def on(day: date, hour: int = 9):
    return time_machine.travel(at(day, hour), tick=False)


def join(proposal, user=None, *, until: date | None = UNTIL) -> Membership:
    request = services.membership_request(
        proposal=proposal, user=user or UserFactory(), role="designer", until=until
    )
    return services.membership_accept(membership=request, by=proposal.proposer)


@pytest.fixture
def proposal():
    with on(JOINED):
        return make_proposal(status="team_forming")


@pytest.fixture
def member(proposal):
    with on(JOINED):
        return join(proposal)


def questions(user) -> list[tuple[date, bool]]:
    """The commitment questions this member got in the app: (on which day, a reminder?)."""
    rows = Delivery.objects.filter(
        recipient=user, channel="inapp", event__kind=CommitmentEventKind.ENDING
    ).order_by("created_at", "pk")
    return [
        (row.created_at.astimezone(TOKYO).date(), row.event.payload["reminder"]) for row in rows
    ]


def run_days(first: date, last: date) -> None:
    """Beat's daily job on every day from `first` to `last`, twice a day."""
    day = first
    while day <= last:
        with on(day, hour=9):
            tasks.ask_about_commitments()
        with on(day, hour=20):
            tasks.ask_about_commitments()
        day += timedelta(days=1)


def test_asked_a_week_before_reminded_once_on_the_day_and_never_again(member):
    run_days(JOINED, UNTIL + timedelta(days=60))

    assert questions(member.user) == [(UNTIL - timedelta(days=7), False), (UNTIL, True)]
    # Nobody is taken off the team for not answering.
    member.refresh_from_db()
    assert member.status == MembershipStatus.ACCEPTED


def test_the_question_reads_kindly_links_to_its_page_and_comes_by_email(member):
    with on(UNTIL - timedelta(days=7)):
        assert services.commitments_ask() == 1
    delivery = Delivery.objects.get(
        recipient=member.user, channel="inapp", event__kind=CommitmentEventKind.ENDING
    )
    event = delivery.event
    assert event.proposal_id == member.proposal_id
    assert event.payload["until"] == "2031-04-30"
    with translation.override("en"):
        text = notification_text(kind=event.kind, payload=event.payload, recipient_id=None)
    assert text == (
        "Your time with “地域の子ども食堂を手伝いたい” is planned until Apr 30, 2031. Would you "
        "like to continue, or finish there with thanks? Either is fine."
    )
    with translation.override("ja"):
        assert "2031年4月30日" in notification_text(
            kind=event.kind, payload=event.payload, recipient_id=None
        )
    path = notification_path(kind=event.kind, proposal_id=event.proposal_id, payload=event.payload)
    assert path == f"/commitments/{member.pk}/"
    # Straight away by email, unless the member chose otherwise on the email settings page.
    assert Delivery.objects.filter(
        recipient=member.user, channel="email", event=event, status="pending"
    ).exists()
    assert Delivery.objects.filter(event=event).count() == 2  # nobody else hears of it


def test_a_member_who_chose_no_email_for_it_hears_in_the_app_only(proposal):
    with on(JOINED):
        quiet = UserFactory()
        EmailPreference.objects.create(
            user=quiet, kind=CommitmentEventKind.ENDING, mode=EmailMode.OFF
        )
        join(proposal, quiet)
    with on(UNTIL - timedelta(days=7)):
        services.commitments_ask()
    assert questions(quiet) == [(UNTIL - timedelta(days=7), False)]
    assert not Delivery.objects.filter(recipient=quiet, channel="email").exists()


def test_beat_down_for_days_asks_late_then_reminds_the_next_day_at_the_earliest(member):
    run_days(UNTIL + timedelta(days=2), UNTIL + timedelta(days=10))
    assert questions(member.user) == [
        (UNTIL + timedelta(days=2), False),
        (UNTIL + timedelta(days=3), True),
    ]


def test_no_end_no_question_and_nobody_else_is_asked(proposal):
    with on(JOINED):
        endless = join(proposal, until=None)
        left = join(proposal)
        services.membership_leave(proposal=proposal, user=left.user)
        gone = join(proposal)
        type(gone.user).objects.filter(pk=gone.user_id).update(is_active=False)
        waiting = services.membership_request(
            proposal=proposal, user=UserFactory(), role="designer", until=UNTIL
        )
    run_days(UNTIL - timedelta(days=8), UNTIL + timedelta(days=1))
    for person in (endless.user, left.user, gone.user, waiting.user, proposal.proposer):
        assert questions(person) == []


def test_continue_moves_the_day_and_the_new_day_is_asked_about_in_its_turn(member):
    run_days(JOINED, UNTIL - timedelta(days=5))  # asked on the 23rd
    later = commitments.months_after(UNTIL, 3)
    with on(UNTIL - timedelta(days=5)):
        continued = services.commitment_continue(
            membership=member, by=member.user, until=later, seen_until=UNTIL
        )
    assert continued.until == later == date(2031, 7, 30)
    run_days(UNTIL - timedelta(days=5), later + timedelta(days=30))

    assert questions(member.user) == [
        (UNTIL - timedelta(days=7), False),  # no reminder for the old day: it was answered
        (later - timedelta(days=7), False),
        (later, True),
    ]


def test_continuing_to_a_day_within_the_week_is_the_answer_for_that_day(member):
    run_days(UNTIL - timedelta(days=7), UNTIL - timedelta(days=7))
    soon = UNTIL + timedelta(days=3)
    with on(UNTIL - timedelta(days=1)):
        services.commitment_continue(
            membership=member, by=member.user, until=soon, seen_until=UNTIL
        )
    run_days(UNTIL - timedelta(days=1), soon + timedelta(days=10))
    assert questions(member.user) == [(UNTIL - timedelta(days=7), False)]


def test_continue_with_no_end_stops_the_questions(member):
    with on(UNTIL - timedelta(days=7)):
        services.commitments_ask()
        services.commitment_continue(
            membership=member, by=member.user, until=None, seen_until=UNTIL
        )
    run_days(UNTIL - timedelta(days=6), UNTIL + timedelta(days=30))
    member.refresh_from_db()
    assert member.until is None and member.status == MembershipStatus.ACCEPTED
    assert questions(member.user) == [(UNTIL - timedelta(days=7), False)]


def test_an_answer_given_twice_changes_nothing_the_second_time(member):
    with on(UNTIL - timedelta(days=7)):
        later = commitments.months_after(UNTIL, 1)
        services.commitment_continue(
            membership=member, by=member.user, until=later, seen_until=UNTIL
        )
        with pytest.raises(ActionConflict, match="already answered"):
            services.commitment_continue(
                membership=member,
                by=member.user,
                until=commitments.months_after(later, 1),
                seen_until=UNTIL,
            )
    member.refresh_from_db()
    assert member.until == later


def test_finish_leaves_with_thanks_and_the_proposer_is_told_kindly(proposal, member):
    with on(UNTIL - timedelta(days=6)):
        assert Proposal.objects.get(pk=proposal.pk).member_count == 2
        finished = services.commitment_finish(membership=member, by=member.user)
    assert finished.status == MembershipStatus.FINISHED
    detail = selectors.proposal_detail(pk=proposal.pk, viewer=proposal.proposer)
    assert [m.user_id for m in selectors.accepted_members(detail)] == [proposal.proposer_id]
    assert [m.user_id for m in selectors.finished_members(detail)] == [member.user_id]
    assert detail.member_count == 1

    [told] = Delivery.objects.filter(event__kind=CommitmentEventKind.FINISHED, channel="inapp")
    assert told.recipient_id == proposal.proposer_id
    with translation.override("en"):
        text = notification_text(
            kind=told.event.kind, payload=told.event.payload, recipient_id=told.recipient_id
        )
    name = member.user.public_name
    assert text == (
        f"{name} has finished their time with “地域の子ども食堂を手伝いたい”, with thanks. They "
        "stay among the people who helped."
    )
    # Nothing more is asked of someone who finished.
    run_days(UNTIL - timedelta(days=7), UNTIL + timedelta(days=3))
    assert questions(member.user) == []


def test_someone_who_finished_may_join_again_later(proposal, member):
    services.commitment_finish(membership=member, by=member.user)
    again = services.membership_request(proposal=proposal, user=member.user, role="designer")
    assert (again.pk, again.status, again.until) == (member.pk, MembershipStatus.REQUESTED, None)


def test_only_the_member_answers_and_only_while_on_the_team(proposal, member):
    for other in (proposal.proposer, UserFactory(moderator=True), UserFactory()):
        with pytest.raises(ActionNotPermitted):
            services.commitment_finish(membership=member, by=other)
        with pytest.raises(ActionNotPermitted):
            services.commitment_continue(membership=member, by=other, until=None, seen_until=UNTIL)
    services.commitment_finish(membership=member, by=member.user)
    with pytest.raises(ActionConflict, match="already finished"):
        services.commitment_finish(membership=member, by=member.user)
    proposer_row = Membership.objects.get(proposal=proposal, user=proposal.proposer)
    with pytest.raises(ActionConflict):
        services.commitment_finish(membership=proposer_row, by=proposal.proposer)


@pytest.mark.parametrize(
    ("until", "words"),
    [
        (JOINED, "after today"),
        (JOINED - timedelta(days=3), "after today"),
        (JOINED + timedelta(days=800), "within the next two years"),
        (datetime(2031, 5, 1, tzinfo=TOKYO), "give a date"),
        ("2031-05-01", "give a date"),
    ],
)
def test_days_that_cannot_be_are_refused_with_words_and_nothing_is_saved(proposal, until, words):
    with on(JOINED):
        person = UserFactory()
        with pytest.raises(ValidationError, match=words) as refused:
            services.membership_request(
                proposal=proposal, user=person, role="designer", until=until
            )
        assert list(refused.value.message_dict) == ["until"]
        assert not Membership.objects.filter(user=person).exists()
        member = join(proposal)
        with pytest.raises(ValidationError, match=words):
            services.commitment_continue(
                membership=member, by=member.user, until=until, seen_until=UNTIL
            )
    member.refresh_from_db()
    assert member.until == UNTIL


def test_accepting_an_invitation_takes_an_end_too(proposal):
    with on(JOINED):
        person = UserFactory(interests=[], skills="")
        invitation = services.invitation_create(
            proposal=proposal, invitee=person, role="designer", by=proposal.proposer
        )
        with pytest.raises(ValidationError):
            services.invitation_accept(invitation=invitation, by=person, until=JOINED)
        membership = services.invitation_accept(invitation=invitation, by=person, until=UNTIL)
    assert (membership.status, membership.until) == (MembershipStatus.ACCEPTED, UNTIL)
    run_days(UNTIL - timedelta(days=7), UNTIL - timedelta(days=7))
    assert questions(person) == [(UNTIL - timedelta(days=7), False)]


def test_about_n_months_keeps_the_day_or_takes_the_month_s_last():
    assert commitments.months_after(date(2031, 1, 31), 1) == date(2031, 2, 28)
    assert commitments.months_after(date(2031, 8, 31), 6) == date(2032, 2, 29)
    assert commitments.months_after(date(2031, 11, 15), 3) == date(2032, 2, 15)
    assert commitments.continue_from(date(2031, 4, 30), date(2031, 5, 3)) == date(2031, 5, 3)
    assert commitments.continue_from(None, date(2031, 5, 3)) == date(2031, 5, 3)
