from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.utils import timezone

from members.models import ProfileVisibility, User
from proposals import demo
from proposals.choices import PROPOSER_ROLE, SUGGESTED_THEMES, MembershipStatus, Status
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
from proposals.selectors import BOARD_QUIET_AFTER
from workers.events import Channel, EventKind
from workers.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    Proposal,
    Membership,
    Comment,
    Cheer,
    Follow,
    RoleWanted,
    TransitionLog,
    Tag,
    Event,
    Delivery,
)


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
    rows["deliveries"] = list(
        Delivery.objects.order_by("pk").values_list("pk", "status", "read_at", "created_at")
    )
    return rows


def demo_stories():
    return Proposal.objects.filter(submission_key__startswith=demo.KEY_PREFIX)


def invariant_breaks(proposals) -> list[str]:
    """What a page or count would show wrongly for these proposals, in words (empty: all true)."""
    now = timezone.now()
    breaks = []
    annotated = proposals.annotate(
        accepted=Count(
            "memberships", filter=Q(memberships__status=MembershipStatus.ACCEPTED), distinct=True
        ),
        cheers_n=Count("cheers", distinct=True),
        visible_comments=Count("comments", filter=Q(comments__is_hidden=False), distinct=True),
    ).prefetch_related("transitions", "comments", "cheers", "memberships", "follows")
    for p in annotated:
        name = f"#{p.pk} {p.title}"
        if p.member_count != p.accepted:
            breaks.append(f"{name}: member_count {p.member_count} != {p.accepted} accepted")
        if p.cheer_count != p.cheers_n:
            breaks.append(f"{name}: cheer_count {p.cheer_count} != {p.cheers_n} cheers")
        if p.comment_count != p.visible_comments:
            breaks.append(f"{name}: comment_count {p.comment_count} != {p.visible_comments}")
        moves = sorted(p.transitions.all(), key=lambda t: (t.created_at, t.pk))
        if (moves[-1].to_status if moves else Status.IDEA) != p.status:
            breaks.append(f"{name}: the last move does not lead to {p.status}")
        came_from = [Status.IDEA, *(m.to_status for m in moves)][: len(moves)]
        if [m.from_status for m in moves] != came_from:
            breaks.append(f"{name}: the moves do not follow each other from idea")
        if p.status_changed_at != (moves[-1].created_at if moves else p.created_at):
            breaks.append(f"{name}: status_changed_at is not its last move")
        memberships = list(p.memberships.all())
        owners = [m for m in memberships if m.role == PROPOSER_ROLE]
        if [(m.user_id, m.status) for m in owners] != [(p.proposer_id, MembershipStatus.ACCEPTED)]:
            breaks.append(f"{name}: not exactly one accepted proposer membership")
        followers = {f.user_id for f in p.follows.all()}
        took_part = {m.user_id for m in memberships} | {c.user_id for c in p.cheers.all()}
        took_part |= {c.author_id for c in p.comments.all()}
        if not took_part <= followers:
            breaks.append(f"{name}: someone who took part does not follow it")
        stamps = [t.created_at for t in moves]
        stamps += [c.created_at for c in p.comments.all()]
        stamps += [c.created_at for c in p.cheers.all()]
        stamps += [m.created_at for m in memberships]
        stamps += [m.decided_at for m in memberships if m.decided_at]
        if any(at < p.created_at for at in stamps):
            breaks.append(f"{name}: something happened before it was proposed")
        if max([p.created_at, *stamps]) != p.last_activity_at:
            breaks.append(f"{name}: last_activity_at is not its latest row")
        if max(p.created_at, p.last_activity_at, p.updated_at, *stamps) > now:
            breaks.append(f"{name}: dated in the future")
    return breaks


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


def test_the_stories_keep_every_invariant_the_services_keep():
    seed()

    assert invariant_breaks(demo_stories()) == []


def test_the_history_is_spread_over_the_past_weeks_with_some_quiet_proposals():
    seed()
    now = timezone.now()

    created = list(demo_stories().values_list("created_at", flat=True))
    assert min(created) >= now - demo.HISTORY - timedelta(minutes=5)
    assert len({(now - at).days // 7 for at in created}) >= 6  # proposed in 6+ different weeks
    active = demo_stories().filter(status__in=[Status.DISCUSSION, Status.TEAM_FORMING])
    assert active.filter(last_activity_at__lt=now - BOARD_QUIET_AFTER).exists()
    assert demo_stories().filter(last_activity_at__gt=now - timedelta(days=3)).exists()
    moments = Counter(Event.objects.values_list("created_at", flat=True))
    assert len(moments) > 100  # not one seeding moment, but a history
    assert not Event.objects.filter(created_at__gt=now - timedelta(hours=12)).exists()


def test_events_and_notifications_happened_when_their_rows_did():
    seed()

    for proposal in demo_stories().prefetch_related("transitions", "comments", "events"):
        events = list(proposal.events.all())
        logged = sorted(t.created_at for t in proposal.transitions.all())
        assert sorted(e.created_at for e in events if e.kind == EventKind.TRANSITIONED) == logged
        said = sorted(c.created_at for c in proposal.comments.all())
        assert sorted(e.created_at for e in events if e.kind == EventKind.COMMENTED) == said
        submitted = [e.created_at for e in events if e.kind == EventKind.SUBMITTED]
        assert submitted == [proposal.created_at]
    assert not Delivery.objects.exclude(created_at=F("event__created_at")).exists()


def test_a_demo_members_first_login_shows_a_few_fresh_notifications_most_read():
    seed()
    now = timezone.now()

    for member in demo.demo_members():
        inbox = Delivery.objects.filter(channel=Channel.INAPP, recipient=member)
        unread = inbox.filter(read_at__isnull=True)
        assert unread.count() <= demo.UNREAD_AT_MOST
        assert not unread.filter(created_at__lt=now - demo.READ_AFTER).exists()
        for delivery in inbox.exclude(read_at=None):
            assert delivery.created_at <= delivery.read_at <= now
    haruto = Delivery.objects.filter(channel=Channel.INAPP, recipient__username="haruto")
    assert haruto.count() > 20
    assert haruto.filter(read_at__isnull=True).exists()  # something new is waiting
    assert Delivery.objects.filter(channel=Channel.INAPP, read_at__isnull=True).count() <= 30


def test_the_history_leaves_no_mail_or_slack_post_for_a_worker_to_send():
    seed()

    assert not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    emails = Delivery.objects.filter(channel=Channel.EMAIL)
    assert emails.exists()  # join requests mail the proposer at once, in real use
    assert set(emails.values_list("status", flat=True)) == {DeliveryStatus.SKIPPED}
    assert not emails.filter(last_error="").exists()
    assert not emails.exclude(sent_at=None).exists()  # skipped, never claimed as sent


def test_running_it_twice_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "0 new proposals" in output


def test_if_empty_leaves_a_database_with_proposals_alone():
    seed("--if-empty")
    count = Proposal.objects.count()
    demo_stories().first().delete()

    output = seed("--if-empty")

    assert Proposal.objects.count() == count - 1
    assert "leaving it as it is" in output


def test_bulk_proposals_keep_the_invariants_of_the_services():
    now = timezone.now()

    added = demo.bulk_seed_proposals(60)

    bulk = Proposal.objects.all()
    assert added == bulk.count() == 60
    assert invariant_breaks(bulk) == []
    assert not bulk.filter(created_at__lt=now - demo.HISTORY).exists()
    assert bulk.filter(last_activity_at__lt=now - BOARD_QUIET_AFTER).exists()
    assert bulk.filter(last_activity_at__gt=now - timedelta(days=7)).exists()
    assert not Event.objects.exists()  # nobody is notified of bulk rows


def test_demo_and_bulk_proposals_together_through_the_command():
    seed()
    before = Proposal.objects.count()

    seed("--proposals", "200")

    assert Proposal.objects.count() == before + 200
    assert invariant_breaks(Proposal.objects.all()) == []
    bulk = Proposal.objects.exclude(submission_key__startswith=demo.KEY_PREFIX)
    assert set(bulk.values_list("status", flat=True)) == set(Status.values)
    assert not bulk.filter(
        status__in=[Status.TEAM_FORMING, Status.RUNNING, Status.DONE], roles_wanted=None
    ).exists()
    assert not bulk.filter(status=Status.DONE, outcome_note="").exists()
    assert not bulk.filter(status=Status.ARCHIVED, archive_reason="").exists()
    assert not bulk.filter(tags=None).exists()


def test_bulk_proposals_can_be_added_to_an_empty_database():
    seed("--proposals", "30")

    assert Proposal.objects.count() == len(demo.STORIES) + 30


def test_a_negative_number_of_proposals_is_refused_in_words():
    with pytest.raises(CommandError, match="zero or more"):
        seed("--proposals", "-1")
    with pytest.raises(CommandError, match="--members must be zero or more"):
        seed("--members", "-1")


def test_bulk_members_have_profiles_the_profile_service_would_save():
    now = timezone.now()

    added = demo.bulk_seed_members(300)
    demo.bulk_seed_members(20)  # goes on from the ones already there

    bulk = User.objects.filter(username__startswith=demo.BULK_MEMBER_PREFIX)
    assert added == 300 and bulk.count() == 320
    for member in bulk:
        member.full_clean()  # every field as the profile form and the model check them
        assert member.is_active and not member.slack_user_id
        assert 1 <= len(member.interests) <= 4
        assert set(member.interests) <= set(SUGGESTED_THEMES)
        assert member.display_name and member.skills and member.bio.strip() == member.bio
        assert now - demo.HISTORY <= member.date_joined <= now
    assert bulk.first().check_password(demo.DEMO_PASSWORD)
    visibility = Counter(bulk.values_list("profile_visibility", flat=True))
    assert 0 < visibility[ProfileVisibility.TEAM] < visibility[ProfileVisibility.COMMUNITY] / 4
    open_to = Counter(bulk.values_list("open_to_suggestions", flat=True))
    assert 0 < open_to[False] < open_to[True] / 3
    assert bulk.exclude(availability="").count() > bulk.filter(availability="").count()
    assert bulk.filter(date_joined__gte=now - timedelta(days=7)).exists()  # some are new


def test_bulk_members_through_the_command():
    seed("--members", "50")

    assert User.objects.filter(username__startswith=demo.BULK_MEMBER_PREFIX).count() == 50
    assert User.objects.count() == len(demo.MEMBERS) + 50


def test_it_will_not_post_the_demo_to_a_configured_slack_unless_asked(settings):
    settings.SLACK_BOT_TOKEN = "xoxb-real-workspace"

    with pytest.raises(CommandError, match="SLACK_BOT_TOKEN"):
        seed()

    assert "Not seeding" in seed("--if-empty")
    assert not Proposal.objects.exists()
    assert not User.objects.filter(username="sakura").exists()
    seed("--allow-slack")
    assert Proposal.objects.count() == len(demo.STORIES)


def test_every_story_happens_within_the_demo_history():
    for story in demo.STORIES:
        assert 0 <= story.quiet_days <= story.age_days <= demo.HISTORY.days, story.key
