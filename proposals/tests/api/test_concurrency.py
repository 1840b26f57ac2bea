"""Two people move the same proposal at the same moment: one wins, the other gets a 409."""

import sqlite3
import threading

import pytest
from django.db import connection

from members.tests.factories import UserFactory
from proposals.models import Proposal, TransitionLog
from proposals.tests.factories import make_proposal

from .conftest import ApiClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_database(tmp_path):
    """A database that several threads can write to, each with its own connection.

    PostgreSQL already is one. Django's SQLite test database lives in memory with a shared cache,
    where a second writer fails at once ("table is locked") instead of waiting for the lock as it
    does on the file the app really uses; so for this test the database is copied to a file.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    in_memory = connection.connection  # held open, or the in-memory database would vanish
    on_disk = sqlite3.connect(tmp_path / "race.sqlite3")
    in_memory.backup(on_disk)
    on_disk.close()
    name = connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(tmp_path / "race.sqlite3")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = in_memory


def _race(clients: list[ApiClient], path: str, payload: dict) -> list:
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list[BaseException] = []

    def move(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = clients[index].post(path, payload)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection; give it back

    threads = [threading.Thread(target=move, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


@pytest.mark.parametrize(
    "same_person", [True, False], ids=["double-click", "proposer-and-moderator"]
)
def test_two_simultaneous_transitions_one_wins_one_gets_409(shared_database, same_person):
    proposal = make_proposal()
    other = proposal.proposer if same_person else UserFactory(moderator=True)
    clients = [ApiClient(proposal.proposer), ApiClient(other)]

    responses = _race(
        clients, f"/proposals/{proposal.pk}/transitions", {"to": "discussion", "note": "さあ"}
    )

    codes = sorted(response.status_code for response in responses)
    assert codes == [200, 409], [response.content for response in responses]
    loser = next(response for response in responses if response.status_code == 409).json()
    assert loser["message"]
    assert sorted(loser["allowed"]) == ["archived", "team_forming"]
    assert Proposal.objects.get(pk=proposal.pk).status == "discussion"
    assert TransitionLog.objects.filter(proposal=proposal).count() == 1
