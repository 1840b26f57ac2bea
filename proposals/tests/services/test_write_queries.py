"""The writes `make bench` times (bench/changes.py: a cheer, a comment, that comment deleted, the
cheer taken back) run a fixed, small number of queries, with Slack on as in a community using it.

Each count is the service's own statements plus the SAVEPOINT and RELEASE of its atomic block (the
test runs in a transaction); a new query here is a cost every cheer and comment pays.
"""

import pytest

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Proposal
from proposals.tests.factories import add_member, make_proposal
from workers.models import SlackThread

pytestmark = pytest.mark.django_db

SAVEPOINT = 2
# Lock, no cheer of theirs to take back, the cheer, following, the window's batch, the counted
# UPDATE.
CHEER = 6 + SAVEPOINT
# Lock, the cheer taken back, the cards looked up and marked, the Homes marked, the counted UPDATE.
UNCHEER = 6 + SAVEPOINT
# Lock, the comment, following, the counted UPDATE, the event, its audience, their email choices,
# the cards looked up, the deliveries, the webhooks listening, the cards marked.
COMMENT = 11 + SAVEPOINT
# Lock, the comment gone, the counted UPDATE.
UNCOMMENT = 3 + SAVEPOINT


@pytest.fixture
def slack_on(settings):
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_CHANNEL_ID = "C0MAIN"
    # One cheer window for the whole test, so the batch the cheers join never closes midway.
    settings.WORKERS_CHEER_WINDOW_SECONDS = 10**9


def test_the_benchmarked_cycle_runs_a_fixed_number_of_queries(slack_on, django_assert_num_queries):
    proposal = make_proposal(status="discussion")
    add_member(proposal)
    for _follower in range(3):
        services.follow_set(proposal=proposal, user=UserFactory(), following=True)
    writer = UserFactory()
    # A first round opens the proposal's thread, the cheers' batch and the writer's follow.
    services.cheer_toggle(proposal=proposal, user=writer)
    first = services.comment_create(proposal=proposal, author=writer, body="はじめまして")
    services.comment_delete(comment=first, by=writer)
    services.cheer_toggle(proposal=proposal, user=writer)
    assert SlackThread.objects.filter(proposal=proposal).exists()

    proposal = Proposal.objects.get(pk=proposal.pk)
    with django_assert_num_queries(CHEER):
        assert services.cheer_toggle(proposal=proposal, user=writer) is True
    with django_assert_num_queries(COMMENT):
        comment = services.comment_create(proposal=proposal, author=writer, body="**いいね**")
    with django_assert_num_queries(UNCOMMENT):
        services.comment_delete(comment=comment, by=writer)
    with django_assert_num_queries(UNCHEER):
        assert services.cheer_toggle(proposal=proposal, user=writer) is False

    counted = Proposal.objects.get(pk=proposal.pk)
    assert (counted.cheer_count, counted.comment_count) == (0, 0)


def test_counts_are_counted_afresh_in_the_update(slack_on):
    """The count stored is the rows' own, even after a count that had drifted."""
    proposal = make_proposal(status="discussion")
    Proposal.objects.filter(pk=proposal.pk).update(cheer_count=7, comment_count=9)
    fans = [UserFactory(), UserFactory()]
    for fan in fans:
        services.cheer_toggle(proposal=proposal, user=fan)
    services.comment_create(proposal=proposal, author=fans[0], body="応援してます")
    counted = Proposal.objects.get(pk=proposal.pk)
    assert (counted.cheer_count, counted.comment_count) == (2, 1)
    services.cheer_toggle(proposal=proposal, user=fans[0])
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 1
