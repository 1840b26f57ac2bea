"""Schemathesis against /api/openapi.json with a token: no input makes a 5xx, answers match the schema."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from members.services import api_token_create
from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db

# Per operation; the examples and coverage phases add their own cases on top. Bounded so that the
# whole file runs in well under a minute.
MAX_EXAMPLES = 8

# A stage change that needs a note (done, archived) refuses an empty one with 400; the schema
# cannot say which targets need it, so a schema-valid body may rightly be refused there.
NOTE_RULE_OPERATIONS = {"POST /api/v1/proposals/{id}/transitions"}
# Likewise a join request's `until` must fall after today and within two years, and `until`
# and `until_months` are one or the other: rules about the day and the pair, not the schema.
DATE_RULE_OPERATIONS = {"POST /api/v1/proposals/{id}/join-requests"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's request signals would close the test's database connection, and its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    """A member with a token, their proposal with a pending join request, someone else's proposal."""
    me = UserFactory()
    _token, raw = api_token_create(user=me, name="fuzz")
    mine = make_proposal(proposer=me)
    theirs = make_proposal(status="discussion")
    request = services.membership_request(proposal=mine, user=UserFactory(), role="designer")
    return {
        "headers": {"Authorization": f"Bearer {raw}"},
        "proposal_ids": [mine.pk, theirs.pk],
        "join_request_ids": [request.pk],
    }


# Loaded from the running app, as a client would; the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, world):
    if "id" in (case.path_parameters or {}) and case.meta.generation.mode.is_positive:
        # Mostly reach real objects, so the happy paths are fuzzed too, not only 404s.
        ids = world["join_request_ids" if "join-requests/{id}" in case.path else "proposal_ids"]
        case.path_parameters["id"] = ids[hash(repr(case.body)) % len(ids)]
    refused_by_rule = NOTE_RULE_OPERATIONS | DATE_RULE_OPERATIONS
    excluded = [positive_data_acceptance] if case.operation.label in refused_by_rule else []
    case.call_and_validate(headers=world["headers"], excluded_checks=excluded)
