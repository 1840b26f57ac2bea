"""Two writes to two proposals never wait for each other (no shared counter, no global lock)."""

import os
import threading

import pytest
from django.db import connection, connections, transaction

from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Proposal
from proposals.tests.factories import make_proposal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks are PostgreSQL's; SQLite locks the whole file by design",
    ),
]

# Long enough for any honest write, far shorter than a blocked one would wait.
LOCK_TIMEOUT = "2s"


def _in_thread(work) -> BaseException | None:
    """Run `work` on its own connection, refusing to wait longer than LOCK_TIMEOUT for a lock."""
    failure: list[BaseException] = []

    def run():
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            work()
        except BaseException as error:  # reported to the test thread
            failure.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the write on proposal B is still waiting"
    return failure[0] if failure else None


def test_writes_on_b_complete_while_a_change_is_open():
    a = make_proposal(title="A")
    b = make_proposal(title="B")
    cheerer, commenter = UserFactory(), UserFactory()

    with transaction.atomic():
        # An open change to A, holding A's row lock and everything a write takes.
        services.comment_create(proposal=a, author=UserFactory(), body="まだコミットしていない")
        services.cheer_set(proposal=a, user=UserFactory(), cheered=True)

        assert (
            _in_thread(lambda: services.cheer_set(proposal=b, user=cheerer, cheered=True)) is None
        )
        assert (
            _in_thread(lambda: services.comment_create(proposal=b, author=commenter, body="はい"))
            is None
        )
        assert (
            _in_thread(
                lambda: services.proposal_transition(proposal=b, to="discussion", by=b.proposer)
            )
            is None
        )

    b = Proposal.objects.get(pk=b.pk)
    assert (b.status, b.cheer_count, b.comment_count) == ("discussion", 1, 1)
