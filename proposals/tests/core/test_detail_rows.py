"""The proposal page's plain-SQL rows (proposals/detail_rows.py, read by selectors.proposal_detail)
say what the ORM says of the same rows, and let through the comments the rules let through."""

import pytest

from members.tests.factories import UserFactory
from proposals import detail_rows, origins, selectors, services
from proposals.choices import Status
from proposals.models import Comment, Membership, Tag, TransitionLog
from proposals.tests.factories import add_member, make_proposal, slack_origin

pytestmark = pytest.mark.django_db


def test_team_places_hold_the_same_values_as_the_memberships():
    proposal = make_proposal(status=Status.TEAM_FORMING)
    joined = add_member(proposal, UserFactory(display_name="さくら <b>"), role="designer")
    asking = services.membership_request(
        proposal=proposal,
        user=UserFactory(display_name=""),
        role="designer",
        availability="週末",
        message="よろしく",
    )

    detail = selectors.proposal_detail(pk=proposal.pk)

    places = {place.pk: place for place in detail.current_memberships}
    for stored in Membership.objects.select_related("user").filter(proposal=proposal):
        place = places[stored.pk]
        for name in ("id", "user_id", "role", "availability", "message", "status", "response",
                     "created_at", "decided_at", "until", "updated_at", "proposal_id",
                     "is_proposer"):  # fmt: skip
            assert getattr(place, name) == getattr(stored, name), name
        assert (place.user.pk, place.user.username, place.user.public_name) == (
            stored.user.pk,
            stored.user.username,
            stored.user.public_name,
        )
        assert place.created_at.utcoffset() is not None
    assert places[joined.pk].user.public_name == "さくら <b>"
    assert places[asking.pk].user.public_name == asking.user.username  # no display name
    assert [m.pk for m in selectors.pending_requests(detail)] == [asking.pk]


def test_history_entries_hold_the_moves_oldest_first_even_when_the_actor_is_gone():
    proposal = make_proposal()
    moved = services.proposal_transition(
        proposal=proposal, to=Status.DISCUSSION, by=proposal.proposer
    )
    mover = UserFactory(moderator=True)
    services.proposal_transition(proposal=moved, to=Status.TEAM_FORMING, by=mover, note="いざ")
    mover.delete()  # the log keeps the move, without a person

    history = selectors.proposal_detail(pk=proposal.pk).history

    stored = list(TransitionLog.objects.filter(proposal=proposal).select_related("actor"))
    assert [(h.pk, h.name, h.from_status, h.to_status, h.note, h.created_at) for h in history] == [
        (t.pk, t.name, t.from_status, t.to_status, t.note, t.created_at) for t in stored
    ]
    assert history[0].actor.username == proposal.proposer.username
    assert history[1].actor is None
    assert history[1].get_to_status_display() == stored[1].get_to_status_display()


def test_comments_are_the_latest_the_viewer_may_see():
    proposal = make_proposal()
    author, other = UserFactory(), UserFactory()
    shown = services.comment_create(proposal=proposal, author=other, body="**見える**")
    hidden = services.comment_create(proposal=proposal, author=author, body="隠された")
    Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)

    def seen(viewer, comments=selectors.COMMENTS_PAGE):
        detail = selectors.proposal_detail(pk=proposal.pk, viewer=viewer, comments=comments)
        return [c.pk for c in detail.recent_comments]

    assert seen(other) == [shown.pk]
    assert seen(author) == [shown.pk, hidden.pk]  # their own, hidden, to edit it
    assert seen(UserFactory(moderator=True)) == [shown.pk, hidden.pk]
    assert seen(author, comments=1) == [shown.pk, hidden.pk]  # one more than asked: "earlier"
    assert seen(author, comments=None) == [shown.pk, hidden.pk]
    row = selectors.proposal_detail(pk=proposal.pk, viewer=other).recent_comments[0]
    stored = Comment.objects.get(pk=shown.pk)
    assert (row.body_html, row.is_hidden, row.created_at, row.edited_at, row.slack_ts) == (
        stored.body_html,
        False,
        stored.created_at,
        None,
        "",
    )
    assert detail_rows.comment_rows(proposal.pk, ("", []), limit=None)[0][0] == hidden.pk


def test_themes_roles_and_the_viewers_cheer_and_follow_are_what_the_orm_says():
    Tag.objects.create(name="zz 提案された", suggested=True)
    proposal = make_proposal(
        status=Status.TEAM_FORMING,
        roles=("designer", "writer"),
        tags=["b 学び", "a 地域", "zz 提案された"],
    )
    add_member(proposal, role="writer")
    cheering, quiet = UserFactory(), UserFactory()
    services.cheer_toggle(proposal=proposal, user=cheering)  # cheering also follows

    detail = selectors.proposal_detail(pk=proposal.pk, viewer=cheering)

    # Tag's own order: the suggested ones first, then by name (the page lists them so).
    assert selectors.theme_names(detail) == [tag.name for tag in proposal.tags.all()]
    assert selectors.theme_names(detail) == ["zz 提案された", "a 地域", "b 学び"]
    assert [(r.name, r.wanted, r.filled, r.pace) for r in selectors.open_roles(detail)] == [
        ("designer", 2, 0, "週2h"),
        ("writer", 2, 1, "週2h"),
    ]
    state = selectors.viewer_state(proposal=detail, user=cheering)
    assert (state.cheered, state.following) == (True, True)
    quiet_state = selectors.viewer_state(
        proposal=selectors.proposal_detail(pk=proposal.pk, viewer=quiet), user=quiet
    )
    assert (quiet_state.cheered, quiet_state.following) == (False, False)


def test_the_slack_origin_comes_with_the_proposal_and_none_without_one(
    django_assert_num_queries,
):
    plain = make_proposal()
    author = UserFactory(display_name="ゆい")
    from_slack = make_proposal()
    made = slack_origin(from_slack, author=author, submitted_by=from_slack.proposer)

    assert origins.origin_of(selectors.proposal_detail(pk=plain.pk)) is None
    detail = selectors.proposal_detail(pk=from_slack.pk)
    with django_assert_num_queries(0):
        origin = origins.origin_of(detail)
        assert (origin.pk, origin.author.public_name) == (made.pk, "ゆい")
