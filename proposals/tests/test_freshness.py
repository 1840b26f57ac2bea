"""The content version: every change a page can show moves it, and nothing else does."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from members.models import MODERATORS_GROUP
from members.services import profile_update
from members.tests.factories import UserFactory
from proposals import freshness, services
from proposals.models import Proposal, Tag
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return make_proposal()


def _moves(change) -> bool:
    before = freshness.current()
    change()
    return freshness.current() > before


def test_each_kind_of_change_moves_the_version(proposal):
    other = UserFactory()
    comment = services.comment_create(proposal=proposal, author=other, body="いいですね")
    changes = {
        "submit": lambda: make_proposal(),
        "transition": lambda: services.proposal_transition(
            proposal=proposal, to="discussion", by=proposal.proposer
        ),
        "comment": lambda: services.comment_create(proposal=proposal, author=other, body="賛成"),
        "comment edit": lambda: services.comment_update(comment=comment, by=other, body="大賛成"),
        "cheer": lambda: services.cheer_set(proposal=proposal, user=other, cheered=True),
        "follow": lambda: services.follow_set(
            proposal=proposal, user=UserFactory(), following=True
        ),
        "join": lambda: add_member(proposal),
        "rename": lambda: profile_update(user=other, display_name="新しい名前"),
        "theme": lambda: proposal.tags.add(Tag.objects.create(name="新テーマ")),
        "moderator": lambda: other.groups.add(
            Group.objects.get_or_create(name=MODERATORS_GROUP)[0]
        ),
        "moderators group emptied": lambda: Group.objects.get(
            name=MODERATORS_GROUP
        ).user_set.clear(),
        "admin save": lambda: Proposal.objects.get(pk=proposal.pk).save(),
        "delete": lambda: make_proposal().delete(),
    }
    unmoved = [name for name, change in changes.items() if not _moves(change)]
    assert unmoved == []


def test_logging_in_is_not_a_change():
    member = UserFactory()
    before = freshness.current()
    assert Client().login(username=member.username, password="pass-word-123")
    assert freshness.current() == before
