"""The proposal page: lifecycle buttons, the team, the discussion, cheers and follows."""

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import MembershipStatus, Status
from proposals.models import Cheer, Comment, Follow, Membership, Proposal, TransitionLog
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def move(client, proposal, to, note="", seen=None):
    return client.post(
        reverse("proposals:transition", args=[proposal.pk]),
        {"to": to, "note": note, "seen_status": seen or proposal.status},
    )


# Lifecycle


def test_the_proposer_sees_exactly_their_possible_moves(member_client, member):
    proposal = make_proposal(proposer=member, status=Status.TEAM_FORMING)

    page = member_client.get(proposal.get_absolute_url()).content.decode()

    assert 'value="discussion"' in page and 'value="archived"' in page
    assert 'value="done"' not in page and 'value="idea"' not in page
    # Launch needs a team of two: shown, but disabled with the reason.
    assert "Launch</button>" in page and "disabled" in page
    assert "A team needs at least 2 members" in page


def test_others_see_no_stage_buttons(member_client):
    proposal = make_proposal()

    page = member_client.get(proposal.get_absolute_url()).content.decode()

    assert reverse("proposals:transition", args=[proposal.pk]) not in page


def test_the_proposer_moves_the_proposal(member_client, member):
    proposal = make_proposal(proposer=member)

    response = move(member_client, proposal, "discussion")

    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).status == "discussion"
    page = member_client.get(response.url).content.decode()
    assert "Moved to “Discussion”" in page
    assert "moved it from Idea to Discussion" in page


def test_a_non_owner_cannot_move_it(member_client):
    proposal = make_proposal()

    response = move(member_client, proposal, "discussion")

    assert response.status_code == 403
    assert "Only the proposer or a moderator" in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == "idea"
    assert not TransitionLog.objects.exists()


def test_pausing_asks_for_a_reason_first(member_client, member):
    proposal = make_proposal(proposer=member)

    response = move(member_client, proposal, "archived", note="  ")

    assert response.status_code == 400
    assert "Please add a few words" in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == "idea"

    move(member_client, proposal, "archived", note="今は忙しいので、またいつか")
    proposal.refresh_from_db()
    assert proposal.status == "archived"
    assert "またいつか" in member_client.get(proposal.get_absolute_url()).content.decode()


def test_a_blocked_move_explains_why_and_changes_nothing(member_client, member):
    proposal = make_proposal(proposer=member, status=Status.TEAM_FORMING)

    response = move(member_client, proposal, "running")

    assert response.status_code == 302
    page = member_client.get(response.url).content.decode()
    assert "A team needs at least 2 members" in page
    assert Proposal.objects.get(pk=proposal.pk).status == "team_forming"


def test_a_blocked_move_is_shown_disabled_with_the_way_to_unblock_it(member_client, member):
    proposal = make_proposal(proposer=member, status=Status.DISCUSSION, roles=())

    page = member_client.get(proposal.get_absolute_url()).content.decode()

    assert '<button type="button" disabled aria-describedby="why-start_team_forming">' in page
    edit = reverse("proposals:edit", args=[proposal.pk])
    assert f'<a href="{edit}">Add the roles you are looking for →</a>' in page
    board = member_client.get(reverse("proposals:board")).content.decode()
    assert f'<a href="{edit}">Add the roles you are looking for →</a>' in board


def test_a_move_from_a_stale_page_shows_the_current_truth(member_client, member):
    proposal = make_proposal(proposer=member, status=Status.DISCUSSION)

    response = move(member_client, proposal, "discussion", seen="idea")

    page = member_client.get(response.url).content.decode()
    assert "Someone else just moved this proposal" in page
    assert Proposal.objects.get(pk=proposal.pk).status == "discussion"
    assert not TransitionLog.objects.exists()


@pytest.mark.parametrize("data", [{}, {"to": "nowhere", "seen_status": "idea"}, {"to": "done"}])
def test_malformed_moves_are_refused_politely(member_client, member, data):
    proposal = make_proposal(proposer=member)

    response = member_client.post(reverse("proposals:transition", args=[proposal.pk]), data)

    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).status == "idea"


def test_unknown_proposals_are_not_found(member_client):
    assert member_client.get(reverse("proposals:detail", args=[999])).status_code == 404
    assert move(member_client, Proposal(pk=999, status="idea"), "discussion").status_code == 404


# Teams


def test_a_member_asks_to_join_and_the_proposer_accepts(client, member):
    proposal = make_proposal(proposer=member, status=Status.TEAM_FORMING, roles=("designer",))
    joiner = UserFactory()
    client.force_login(joiner)

    response = client.post(
        reverse("proposals:join", args=[proposal.pk]),
        {"role_choice": "designer", "availability": "週末に2時間", "message": "やってみたいです"},
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=joiner)
    assert (membership.role, membership.status) == ("designer", MembershipStatus.REQUESTED)
    assert "Withdraw my request" in client.get(proposal.get_absolute_url()).content.decode()

    client.force_login(member)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "やってみたいです" in page and "週末に2時間" in page
    response = client.post(reverse("proposals:membership_accept", args=[membership.pk]))

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACCEPTED
    assert "Welcome to the team" in membership.response
    assert Proposal.objects.get(pk=proposal.pk).member_count == 2
    page = client.get(response.url).content.decode()
    assert "is on the team now" in page
    assert "joined as designer" in page


def test_joining_with_a_role_in_own_words(member_client):
    proposal = make_proposal(status=Status.DISCUSSION)

    member_client.post(
        reverse("proposals:join", args=[proposal.pk]),
        {"role_choice": "__other__", "role_other": "写真を撮る人"},
    )

    assert Membership.objects.get(proposal=proposal, role="写真を撮る人")


@pytest.mark.parametrize(
    "data",
    [
        {"role_choice": "__other__", "role_other": ""},
        {"role_choice": "__other__", "role_other": "r" * 61},
        {"role_choice": "__other__", "role_other": "proposer"},
        {"role_choice": "designer", "availability": "a" * 201},
    ],
)
def test_a_bad_join_request_shows_the_problem(member_client, data):
    proposal = make_proposal(status=Status.DISCUSSION)

    response = member_client.post(reverse("proposals:join", args=[proposal.pk]), data)

    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Membership.objects.filter(role="r" * 61).exists()
    assert Membership.objects.filter(proposal=proposal).count() == 1


def test_the_proposer_declines_kindly(member_client, member):
    proposal = make_proposal(proposer=member, status=Status.DISCUSSION)
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="x")

    member_client.post(reverse("proposals:membership_decline", args=[membership.pk]))

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.DECLINED
    assert "Thank you so much for offering" in membership.response


def test_nobody_else_can_answer_a_join_request(member_client):
    proposal = make_proposal(status=Status.DISCUSSION)
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="x")

    for name in ("proposals:membership_accept", "proposals:membership_decline"):
        response = member_client.post(reverse(name, args=[membership.pk]))
        assert response.status_code == 403

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REQUESTED
    page = member_client.get(proposal.get_absolute_url()).content.decode()
    assert reverse("proposals:membership_accept", args=[membership.pk]) not in page


def test_answering_twice_tells_the_truth(member_client, member):
    proposal = make_proposal(proposer=member, status=Status.DISCUSSION)
    membership = services.membership_request(proposal=proposal, user=UserFactory(), role="x")
    url = reverse("proposals:membership_accept", args=[membership.pk])

    member_client.post(url)
    response = member_client.post(url)

    assert response.status_code == 302
    assert "already been answered" in member_client.get(response.url).content.decode()


def test_a_member_leaves_and_a_request_can_be_withdrawn(member_client, member):
    proposal = make_proposal(status=Status.RUNNING)
    add_member(proposal, user=member)

    response = member_client.post(reverse("proposals:leave", args=[proposal.pk]))

    assert Membership.objects.get(user=member).status == MembershipStatus.LEFT
    assert "welcome back any time" in member_client.get(response.url).content.decode()

    other = make_proposal(status=Status.DISCUSSION)
    services.membership_request(proposal=other, user=member, role="x")
    member_client.post(reverse("proposals:leave", args=[other.pk]))
    assert Membership.objects.get(user=member, proposal=other).status == MembershipStatus.WITHDRAWN


def test_the_proposer_cannot_leave(member_client, member):
    proposal = make_proposal(proposer=member)

    response = member_client.post(reverse("proposals:leave", args=[proposal.pk]))

    assert "you stay on the team" in member_client.get(response.url).content.decode()


# Discussion


def test_commenting_renders_safe_markdown(member_client, member):
    proposal = make_proposal()

    response = member_client.post(
        reverse("proposals:comment_create", args=[proposal.pk]),
        {"body": "**いいですね** <script>alert(1)</script>"},
    )

    comment = Comment.objects.get()
    assert response.url.endswith(f"#comment-{comment.pk}")
    page = member_client.get(proposal.get_absolute_url()).content.decode()
    assert "<strong>いいですね</strong>" in page
    assert "<script>alert" not in page
    assert Follow.objects.filter(user=member, proposal=proposal).exists()


@pytest.mark.parametrize("body", ["", "   ", "c" * 10_001])
def test_an_empty_or_too_long_comment_is_refused(member_client, body):
    proposal = make_proposal()

    response = member_client.post(
        reverse("proposals:comment_create", args=[proposal.pk]), {"body": body}
    )

    assert response.status_code == 400
    assert not Comment.objects.exists()
    assert "errorlist" in response.content.decode()


def test_the_author_edits_and_deletes_their_comment(member_client, member):
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=member, body="はじめまして")
    edit = reverse("proposals:comment_edit", args=[comment.pk])

    assert "はじめまして" in member_client.get(edit).content.decode()
    assert member_client.post(edit, {"body": ""}).status_code == 400
    member_client.post(edit, {"body": "よろしくお願いします"})

    comment.refresh_from_db()
    assert comment.body == "よろしくお願いします" and comment.edited_at
    assert "(edited)" in member_client.get(proposal.get_absolute_url()).content.decode()

    member_client.post(reverse("proposals:comment_delete", args=[comment.pk]))
    assert not Comment.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 0


def test_others_cannot_edit_or_delete_a_comment(member_client):
    comment = services.comment_create(proposal=make_proposal(), author=UserFactory(), body="元の文")

    assert (
        member_client.get(reverse("proposals:comment_edit", args=[comment.pk])).status_code == 403
    )
    edit = member_client.post(reverse("proposals:comment_edit", args=[comment.pk]), {"body": "x"})
    delete = member_client.post(reverse("proposals:comment_delete", args=[comment.pk]))

    assert (edit.status_code, delete.status_code) == (403, 403)
    assert Comment.objects.get().body == "元の文"


def test_moderators_hide_and_show_comments(client):
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="見せたくない")
    reader = UserFactory()
    client.force_login(reader)
    assert (
        client.post(
            reverse("proposals:comment_hide", args=[comment.pk]), {"hidden": "1"}
        ).status_code
        == 403
    )

    client.force_login(UserFactory(moderator=True))
    client.post(reverse("proposals:comment_hide", args=[comment.pk]), {"hidden": "1"})
    assert Comment.objects.get().is_hidden
    assert "Hidden by a moderator" in client.get(proposal.get_absolute_url()).content.decode()

    client.force_login(reader)
    assert "見せたくない" not in client.get(proposal.get_absolute_url()).content.decode()

    client.force_login(UserFactory(moderator=True))
    client.post(reverse("proposals:comment_hide", args=[comment.pk]), {"hidden": "0"})
    client.force_login(reader)
    assert "見せたくない" in client.get(proposal.get_absolute_url()).content.decode()


# Cheer and follow


def test_cheer_toggles_with_htmx(member_client, member):
    proposal = make_proposal()
    url = reverse("proposals:cheer", args=[proposal.pk])

    response = member_client.post(url, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="reactions"' in page and "Cheering" in page and "<html" not in page
    assert Cheer.objects.filter(user=member).exists()
    assert Follow.objects.filter(user=member, proposal=proposal).exists()

    member_client.post(url, headers=HTMX)
    assert not Cheer.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 0


def test_cheer_and_follow_work_without_javascript(member_client, member):
    proposal = make_proposal()

    response = member_client.post(reverse("proposals:cheer", args=[proposal.pk]))
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 1

    member_client.post(reverse("proposals:follow", args=[proposal.pk]), {"following": "0"})
    assert not Follow.objects.filter(user=member).exists()
    page = member_client.get(proposal.get_absolute_url()).content.decode()
    assert "Follow</button>" in page

    member_client.post(reverse("proposals:follow", args=[proposal.pk]), {"following": "1"})
    assert Follow.objects.filter(user=member).exists()


def test_anonymous_visitors_cannot_act(client):
    proposal = make_proposal()
    for name in (
        "proposals:transition",
        "proposals:join",
        "proposals:cheer",
        "proposals:comment_create",
    ):
        response = client.post(reverse(name, args=[proposal.pk]), {"to": "discussion", "body": "x"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert Proposal.objects.get(pk=proposal.pk).status == "idea"
    assert not Comment.objects.exists() and not Cheer.objects.exists()


def test_get_is_not_allowed_on_actions(member_client):
    proposal = make_proposal()
    assert member_client.get(reverse("proposals:cheer", args=[proposal.pk])).status_code == 405


def test_a_finished_proposal_shows_its_roles_without_asking_for_people(member_client):
    proposal = make_proposal(status=Status.DONE, roles=("designer",))

    page = member_client.get(proposal.get_absolute_url()).content.decode()

    assert "designer" in page
    assert "places open" not in page
    assert "I’d like to join" not in page


def test_the_proposer_is_not_offered_a_cheer_of_their_own(member_client, member):
    proposal = make_proposal(proposer=member)
    page = member_client.get(proposal.get_absolute_url()).content.decode()
    assert reverse("proposals:cheer", args=[proposal.pk]) not in page
    assert "0 cheers" in page

    response = member_client.post(reverse("proposals:cheer", args=[proposal.pk]))
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 0

    other = make_proposal()
    assert reverse("proposals:cheer", args=[other.pk]) in (
        member_client.get(other.get_absolute_url()).content.decode()
    )


def test_an_over_long_answer_to_a_join_request_decides_nothing_and_says_why(member_client, member):
    proposal = make_proposal(proposer=member)
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    response = member_client.post(
        reverse("proposals:membership_decline", args=[request.pk]),
        {"response": "x" * 5000},
        follow=True,
    )
    request.refresh_from_db()
    assert request.status == "requested"
    assert "characters" in response.content.decode()
