"""The demo community has meetups to look at: `make run` shows a living calendar."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from meetups.choices import RsvpStatus, Visibility
from meetups.models import Meetup, Rsvp

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_upcoming_and_past_meetups_once():
    first, again = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=again)

    now = timezone.now()
    assert Meetup.objects.count() == 4
    assert Meetup.objects.filter(starts_at__gt=now).count() == 3
    past = Meetup.objects.get(ends_at__lt=now)
    assert Rsvp.objects.filter(meetup=past, attended=True).count() == 4
    kickoff = Meetup.objects.get(visibility=Visibility.TEAM)
    team = set(
        kickoff.proposal.memberships.filter(status="accepted").values_list("user_id", flat=True)
    )
    going = set(
        Rsvp.objects.filter(meetup=kickoff, status=RsvpStatus.GOING).values_list(
            "user_id", flat=True
        )
    )
    assert team and going == team
    assert "4 new meetups" in first.getvalue()
    assert "0 new meetups" in again.getvalue()


def test_deleting_a_proposal_takes_its_team_meetups_and_frees_its_community_ones():
    """Only admins delete proposals (members archive them); the admin's delete must not fail."""
    from members.tests.factories import UserFactory
    from proposals.tests.factories import add_member, make_proposal

    from .factories import make_meetup

    proposer = UserFactory()
    proposal = make_proposal(proposer=proposer, status="team_forming")
    add_member(proposal)
    team_only = make_meetup(by=proposer, proposal=proposal, visibility=Visibility.TEAM)
    open_to_all = make_meetup(by=proposer, proposal=proposal, title="みんなの交流会")

    proposal.delete()

    assert not Meetup.objects.filter(pk=team_only.pk).exists()
    open_to_all.refresh_from_db()
    assert open_to_all.proposal is None and open_to_all.visibility == Visibility.COMMUNITY
