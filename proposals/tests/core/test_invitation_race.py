"""Two accepts of one invitation at once (a double click, two tabs) make one membership: the
proposal's row lock puts them one after the other, and the second finds it answered."""

import os
import threading
import time

import pytest
from django.db import connection, connections, transaction

from members.tests.factories import UserFactory
from proposals import services
from proposals.errors import ActionConflict
from proposals.models import Invitation, Membership, Proposal
from proposals.tests.factories import make_proposal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks are PostgreSQL's; SQLite locks the whole file by design",
    ),
]


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot: take a fresh one each time.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_two_accepts_at_once_make_one_membership():
    proposal = make_proposal(tags=["福祉"], roles=("デザイン",), status="team_forming")
    invitee = UserFactory()
    invitation = services.invitation_create(
        proposal=proposal, invitee=invitee, role="デザイン", by=proposal.proposer
    )
    results: list[str] = []

    def accept():
        try:
            services.invitation_accept(
                invitation=Invitation.objects.get(pk=invitation.pk), by=invitee
            )
            results.append("joined")
        except ActionConflict:
            results.append("already answered")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    with transaction.atomic():
        # Hold the proposal's row so both accepts are in flight together, then let them go.
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while _waiting_on_a_lock() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_on_a_lock() == 2
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["already answered", "joined"]
    assert Membership.objects.filter(proposal=proposal, user=invitee).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).member_count == 2
