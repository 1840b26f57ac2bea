import pytest
from django.core.exceptions import ValidationError

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import PROPOSER_ROLE, MembershipStatus, Status
from proposals.models import BODY_MAX, Proposal, Tag

pytestmark = pytest.mark.django_db


def test_one_line_is_enough():
    proposer = UserFactory()
    proposal = services.proposal_submit(proposer=proposer, title="読書会", summary="月1で読書会")
    assert proposal.status == Status.IDEA
    assert proposal.body == ""
    team = list(proposal.memberships.all())
    assert [(m.user, m.role, m.status) for m in team] == [
        (proposer, PROPOSER_ROLE, MembershipStatus.ACCEPTED)
    ]
    assert proposal.member_count == 1
    assert proposal.follows.filter(user=proposer).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "", "summary": "ok"}, "title"),
        ({"title": "   ", "summary": "ok"}, "title"),
        ({"title": "x" * 121, "summary": "ok"}, "title"),
        ({"title": "ok", "summary": ""}, "summary"),
        ({"title": "ok", "summary": "y" * 281}, "summary"),
        ({"title": "ok", "summary": "ok", "body": "z" * (BODY_MAX + 1)}, "body"),
        ({"title": "ok", "summary": "ok", "tags": ["t" * 41]}, "tags"),
        ({"title": "ok", "summary": "ok", "tags": [f"tag{i}" for i in range(11)]}, "tags"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(fields, field):
    with pytest.raises(ValidationError) as error:
        services.proposal_submit(proposer=UserFactory(), **fields)
    assert field in error.value.message_dict
    assert not Proposal.objects.exists()


def test_roles_must_be_sensible():
    with pytest.raises(ValidationError):
        services.proposal_submit(
            proposer=UserFactory(),
            title="ok",
            summary="ok",
            roles=[services.RoleInput(name="designer", count=0)],
        )
    assert not Proposal.objects.exists()


def test_the_same_submission_key_creates_one_proposal():
    proposer = UserFactory()
    first = services.proposal_submit(
        proposer=proposer, title="読書会", summary="月1", submission_key="abc"
    )
    second = services.proposal_submit(
        proposer=proposer, title="読書会", summary="月1", submission_key="abc"
    )
    assert first.pk == second.pk
    assert Proposal.objects.count() == 1


def test_tags_are_normalised_and_shared():
    proposal = services.proposal_submit(
        proposer=UserFactory(),
        title="ok",
        summary="ok",
        tags=["#防災", " 防災 ", "地域  づくり", ""],
    )
    assert sorted(proposal.tags.values_list("name", flat=True)) == ["地域 づくり", "防災"]
    assert Tag.objects.filter(name="防災").count() == 1


def test_editing_replaces_roles_and_renders_markdown():
    proposal = services.proposal_submit(
        proposer=UserFactory(),
        title="ok",
        summary="ok",
        roles=[services.RoleInput("designer"), services.RoleInput("writer")],
    )
    updated = services.proposal_update(
        proposal=proposal,
        by=proposal.proposer,
        body="**やってみたい**",
        roles=[services.RoleInput("writer", count=3, pace="月2h")],
    )
    assert "<strong>やってみたい</strong>" in updated.body_html
    assert [(r.name, r.count, r.pace) for r in updated.roles_wanted.all()] == [
        ("writer", 3, "月2h")
    ]
