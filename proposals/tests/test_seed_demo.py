from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.utils import timezone

from members.models import User
from proposals import demo
from proposals.choices import MembershipStatus, Status
from proposals.models import (
    Cheer,
    Comment,
    Follow,
    Membership,
    Proposal,
    RoleWanted,
    Tag,
    TransitionLog,
)

pytestmark = pytest.mark.django_db

MODELS = (User, Proposal, Membership, Comment, Cheer, Follow, RoleWanted, TransitionLog, Tag)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict:
    rows = {model.__name__: model.objects.count() for model in MODELS}
    rows["proposals"] = list(
        Proposal.objects.order_by("pk").values_list(
            "pk", "status", "member_count", "cheer_count", "comment_count", "last_activity_at"
        )
    )
    return rows


def inconsistent_counts() -> list[int]:
    """Proposals whose denormalised counts differ from their rows."""
    proposals = Proposal.objects.annotate(
        members=Count(
            "memberships", filter=Q(memberships__status=MembershipStatus.ACCEPTED), distinct=True
        ),
        cheers_n=Count("cheers", distinct=True),
        comments_n=Count("comments", filter=Q(comments__is_hidden=False), distinct=True),
    )
    return [
        p.pk
        for p in proposals
        if (p.member_count, p.cheer_count, p.comment_count) != (p.members, p.cheers_n, p.comments_n)
    ]


def history_mismatches() -> list[int]:
    """Proposals whose last logged move does not lead to their status."""
    wrong = []
    for proposal in Proposal.objects.prefetch_related("transitions"):
        moves = list(proposal.transitions.all())
        if (moves[-1].to_status if moves else Status.IDEA) != proposal.status:
            wrong.append(proposal.pk)
    return wrong


def test_the_demo_community_is_built_and_its_logins_printed():
    output = seed()

    assert User.objects.count() >= 8
    sakura = User.objects.get(username="sakura")
    assert sakura.is_moderator
    assert sakura.check_password(demo.DEMO_PASSWORD)
    haruto = User.objects.get(username="haruto")
    assert haruto.bio and haruto.interests and haruto.skills
    assert haruto.availability == "週末に2時間くらい"
    assert Proposal.objects.count() >= 25
    assert demo.DEMO_PASSWORD in output
    for member in demo.MEMBERS:
        assert member.username in output


def test_every_stage_has_proposals_with_teams_requests_and_history():
    seed()

    assert set(Proposal.objects.values_list("status", flat=True)) == set(Status.values)
    assert Membership.objects.filter(status=MembershipStatus.REQUESTED).exists()
    assert Proposal.objects.filter(member_count__gte=3).exists()
    assert Comment.objects.exists() and Cheer.objects.exists()
    assert TransitionLog.objects.filter(name="complete").exclude(note="").exists()
    assert TransitionLog.objects.filter(name="reopen").exists()
    for proposal in Proposal.objects.filter(status__in=[Status.RUNNING, Status.DONE]):
        assert proposal.member_count >= 2


def test_dates_look_lived_in_with_some_quiet_proposals():
    seed()
    now = timezone.now()

    quiet = Proposal.objects.filter(last_activity_at__lt=now - timedelta(days=40))
    assert quiet.filter(status__in=[Status.DISCUSSION, Status.TEAM_FORMING]).exists()
    assert Proposal.objects.filter(last_activity_at__gt=now - timedelta(days=3)).exists()
    assert Proposal.objects.filter(created_at__lt=now - timedelta(days=180)).exists()
    for proposal in Proposal.objects.prefetch_related("transitions", "comments"):
        moments = [t.created_at for t in proposal.transitions.all()]
        moments += [c.created_at for c in proposal.comments.all()]
        assert all(proposal.created_at <= at <= proposal.last_activity_at for at in moments)


def test_running_it_twice_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "0 new proposals" in output


def test_if_empty_leaves_a_database_with_proposals_alone():
    seed("--if-empty")
    count = Proposal.objects.count()
    Proposal.objects.filter(submission_key__startswith=demo.KEY_PREFIX).first().delete()

    output = seed("--if-empty")

    assert Proposal.objects.count() == count - 1
    assert "leaving it as it is" in output


def test_demo_and_bulk_proposals_keep_counts_and_history_consistent():
    seed()
    before = Proposal.objects.count()

    seed("--proposals", "200")

    assert Proposal.objects.count() == before + 200
    assert inconsistent_counts() == []
    assert history_mismatches() == []
    bulk = Proposal.objects.exclude(submission_key__startswith=demo.KEY_PREFIX)
    assert set(bulk.values_list("status", flat=True)) == set(Status.values)
    owners = Count("memberships", filter=Q(memberships__role="proposer"))
    assert not bulk.annotate(owners=owners).exclude(owners=1).exists()
    assert not bulk.filter(
        status__in=[Status.TEAM_FORMING, Status.RUNNING, Status.DONE], roles_wanted=None
    ).exists()
    assert not bulk.filter(status=Status.DONE, outcome_note="").exists()
    assert not bulk.filter(status=Status.ARCHIVED, archive_reason="").exists()
    assert not bulk.filter(tags=None).exists()
    assert not bulk.filter(follows=None).exists()


def test_bulk_proposals_can_be_added_to_an_empty_database():
    seed("--proposals", "30")

    assert Proposal.objects.count() == len(demo.STORIES) + 30


def test_it_will_not_post_the_demo_to_a_configured_slack_unless_asked(settings):
    settings.SLACK_BOT_TOKEN = "xoxb-real-workspace"

    with pytest.raises(CommandError, match="SLACK_BOT_TOKEN"):
        seed()

    assert "Not seeding" in seed("--if-empty")
    assert not Proposal.objects.exists()
    assert not User.objects.filter(username="sakura").exists()
    seed("--allow-slack")
    assert Proposal.objects.count() == len(demo.STORIES)
