"""The insight page, the API and a CSV download cost the same number of queries for 10 proposals as
for 1,000 (the issue's figure; each with moves, comments, cheers and join requests, and a meetup people came to)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetups.choices import RsvpStatus
from meetups.models import Meetup, Rsvp
from members.tests.factories import UserFactory
from proposals.choices import MembershipStatus, Status
from proposals.models import Cheer, Comment, Membership, Proposal, Tag, TransitionLog

pytestmark = pytest.mark.django_db


def _grow(count: int, people: list) -> None:
    """`count` more proposals, written straight to the tables (set-up only): each moved through
    discussion to team forming, with a comment, a cheer and an answered and a waiting request,
    and a meetup for it that two people came to (one marked by a host, one going)."""
    now = timezone.now()
    proposer, commenter, joiner, asker = people
    theme = Tag.objects.get_or_create(name="防災")[0]
    proposals = Proposal.objects.bulk_create(
        Proposal(
            title=f"proposal {n}",
            summary="s",
            proposer=proposer,
            status=Status.TEAM_FORMING,
            created_at=now - timedelta(days=40 + n % 30),
            last_activity_at=now - timedelta(days=n * 13 % 120),
        )
        for n in range(count)
    )
    Proposal.tags.through.objects.bulk_create(
        Proposal.tags.through(proposal=proposal, tag=theme) for proposal in proposals
    )
    TransitionLog.objects.bulk_create(
        TransitionLog(
            proposal=proposal,
            actor=proposer,
            name=name,
            from_status=source,
            to_status=target,
            created_at=proposal.created_at + timedelta(days=days),
        )
        for proposal in proposals
        for name, source, target, days in (
            ("open_discussion", Status.IDEA, Status.DISCUSSION, 2),
            ("start_team_forming", Status.DISCUSSION, Status.TEAM_FORMING, 9),
        )
    )
    Comment.objects.bulk_create(
        Comment(
            proposal=p, author=commenter, body="b", created_at=p.created_at + timedelta(hours=5)
        )
        for p in proposals
    )
    Cheer.objects.bulk_create(
        Cheer(proposal=p, user=joiner, created_at=p.created_at + timedelta(hours=1))
        for p in proposals
    )
    Membership.objects.bulk_create(
        Membership(
            proposal=p,
            user=user,
            role="広報",
            status=status,
            created_at=p.created_at + timedelta(days=10),
            decided_at=p.created_at + timedelta(days=11) if decided else None,
        )
        for p in proposals
        for user, status, decided in (
            (joiner, MembershipStatus.ACCEPTED, True),
            (asker, MembershipStatus.REQUESTED, False),
        )
    )

    meetups = Meetup.objects.bulk_create(
        Meetup(
            title=f"meetup {n}",
            place="公民館",
            created_by=proposer,
            proposal=p,
            starts_at=p.created_at + timedelta(days=3),
            ends_at=p.created_at + timedelta(days=3, hours=2),
        )
        for n, p in enumerate(proposals)
    )
    Rsvp.objects.bulk_create(
        Rsvp(meetup=meetup, user=user, status=status, attended=attended)
        for meetup in meetups
        for user, status, attended in (
            (commenter, RsvpStatus.GOING, None),
            (joiner, RsvpStatus.MAYBE, True),
        )
    )


def _queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (reverse("insight:page"), {"weeks": "26"}),
        (reverse("insight:page"), {"weeks": "26", "theme": "防災"}),
        ("/api/v1/insight", {"weeks": "52"}),
        (reverse("insight:csv", args=["flow"]), {"weeks": "12"}),
    ],
)
def test_the_same_number_of_queries_for_10_and_1000_proposals(client, url, params):
    people = [UserFactory() for _ in range(4)]
    client.force_login(UserFactory(moderator=True))
    _grow(10, people)
    small = _queries(client, url, params)
    _grow(990, people)
    assert Proposal.objects.count() == 1000
    assert Rsvp.objects.count() == 2000
    assert _queries(client, url, params) == small
