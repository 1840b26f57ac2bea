"""Whatever is posted to a page, the answer is never a server error."""

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db

JUNK = [
    {},
    {"to": "\x00", "seen_status": "done", "note": "n" * 5000},
    {"body": "\x00" * 10, "title": ["a", "b"], "summary": "s" * 10_000},
    {"role_choice": "x" * 500, "role_other": "\u202e", "availability": "a" * 500},
    {"hidden": "maybe", "following": "perhaps", "response": "r" * 5000},
    {"form-TOTAL_FORMS": "1000000", "form-INITIAL_FORMS": "-1", "form-0-count": "1e9"},
]


def _urls(proposal, comment, membership):
    return [
        reverse("proposals:create"),
        reverse("proposals:preview"),
        reverse("proposals:edit", args=[proposal.pk]),
        reverse("proposals:transition", args=[proposal.pk]),
        reverse("proposals:join", args=[proposal.pk]),
        reverse("proposals:leave", args=[proposal.pk]),
        reverse("proposals:comment_create", args=[proposal.pk]),
        reverse("proposals:cheer", args=[proposal.pk]),
        reverse("proposals:follow", args=[proposal.pk]),
        reverse("proposals:membership_accept", args=[membership.pk]),
        reverse("proposals:membership_decline", args=[membership.pk]),
        reverse("proposals:comment_edit", args=[comment.pk]),
        reverse("proposals:comment_hide", args=[comment.pk]),
        reverse("proposals:comment_delete", args=[comment.pk]),
        reverse("members:settings"),
        reverse("members:token_create"),
        reverse("members:token_revoke", args=[12345]),
    ]


@pytest.mark.parametrize("who", ["proposer", "other", "moderator"])
@pytest.mark.parametrize("htmx", [False, True])
def test_no_input_makes_a_page_fail(client, who, htmx):
    proposer = UserFactory()
    proposal = make_proposal(proposer=proposer, status=Status.DISCUSSION)
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="x")
    comment = services.comment_create(proposal=proposal, author=proposer, body="こんにちは")
    people = {
        "proposer": proposer,
        "other": UserFactory(),
        "moderator": UserFactory(moderator=True),
    }
    client.force_login(people[who])
    client.raise_request_exception = False
    headers = {"HX-Request": "true"} if htmx else {}

    for url in _urls(proposal, comment, membership):
        for data in JUNK:
            response = client.post(url, data, headers=headers)
            assert response.status_code < 500, (url, data, response.status_code)
        assert client.get(url, headers=headers).status_code < 500, url


@pytest.mark.parametrize("offset", ["99999999999999999999999", "-1", "1e3", "\x00"])
def test_show_more_with_an_impossible_offset_is_a_clear_400(client, offset):
    client.force_login(UserFactory())
    response = client.get(reverse("board:more"), {"status": "idea", "offset": offset})
    assert response.status_code == 400
    assert response.content.decode()  # says what is wrong


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_a_nul_in_a_board_move_note_is_refused_and_nothing_moves(client, accept):
    proposal = make_proposal(status=Status.RUNNING)
    client.force_login(proposal.proposer)
    client.raise_request_exception = False
    response = client.post(
        reverse("board:move", args=[proposal.pk]),
        {"to": "done", "from": "running", "note": "できた\x00"},
        headers={"Accept": accept},
    )
    assert response.status_code in (302, 400)
    if accept == "application/json":
        assert response.status_code == 400
        assert "NUL" in response.json()["message"]
    proposal.refresh_from_db()
    assert proposal.status == Status.RUNNING
