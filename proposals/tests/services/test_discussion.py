import pytest
from django.core.exceptions import ValidationError

from members.tests.factories import UserFactory
from proposals import selectors, services
from proposals.errors import ActionNotPermitted
from proposals.models import Comment, Proposal
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def test_comment_is_sanitised_counted_and_follows():
    proposal = make_proposal()
    author = UserFactory()
    comment = services.comment_create(
        proposal=proposal, author=author, body="いいですね！<script>x</script>"
    )
    assert "<script>" not in comment.body_html
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 1
    assert proposal.follows.filter(user=author).exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_bad_comments_are_refused(body):
    proposal = make_proposal()
    with pytest.raises(ValidationError):
        services.comment_create(proposal=proposal, author=UserFactory(), body=body)
    assert not Comment.objects.exists()


def test_only_the_author_edits_or_deletes():
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="最初")
    with pytest.raises(ActionNotPermitted):
        services.comment_update(comment=comment, by=proposal.proposer, body="書き換え")
    with pytest.raises(ActionNotPermitted):
        services.comment_delete(comment=comment, by=UserFactory(moderator=True))
    edited = services.comment_update(comment=comment, by=comment.author, body="**直しました**")
    assert edited.edited_at is not None
    assert "<strong>直しました</strong>" in edited.body_html
    services.comment_delete(comment=comment, by=comment.author)
    assert Proposal.objects.get(pk=proposal.pk).comment_count == 0


def test_moderators_hide_comments_and_they_leave_the_timeline():
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="きつい言葉")
    with pytest.raises(ActionNotPermitted):
        services.comment_set_hidden(comment=comment, by=proposal.proposer, hidden=True)
    services.comment_set_hidden(comment=comment, by=UserFactory(moderator=True), hidden=True)
    detail = selectors.proposal_detail(pk=proposal.pk)
    assert detail.comment_count == 0
    assert "comment" not in {entry.kind for entry in selectors.proposal_timeline(proposal=detail)}


def test_cheer_toggles_and_follows():
    proposal = make_proposal()
    fan = UserFactory()
    assert services.cheer_toggle(proposal=proposal, user=fan) is True
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 1
    assert proposal.follows.filter(user=fan).exists()
    assert services.cheer_toggle(proposal=proposal, user=fan) is False
    assert Proposal.objects.get(pk=proposal.pk).cheer_count == 0


def test_follow_and_unfollow():
    proposal = make_proposal()
    user = UserFactory()
    services.follow_set(proposal=proposal, user=user, following=True)
    services.follow_set(proposal=proposal, user=user, following=True)
    assert proposal.follows.filter(user=user).count() == 1
    services.follow_set(proposal=proposal, user=user, following=False)
    assert not proposal.follows.filter(user=user).exists()
