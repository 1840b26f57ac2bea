import pytest
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals.choices import Status
from proposals.models import Proposal, RoleWanted, Tag

STAGES = [Status.IDEA, Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING, Status.DONE]


def bulk_proposals(n: int, *, proposer=None, status=None, title="Bulk proposal") -> list[Proposal]:
    """Many proposals quickly (bulk inserts), spread over the stages, with a theme and a role each."""
    proposers = [proposer] if proposer else UserFactory.create_batch(3)
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            title=f"{title} {i}",
            summary="bulk",
            proposer=proposers[i % len(proposers)],
            status=status or STAGES[i % len(STAGES)],
            last_activity_at=now - timezone.timedelta(minutes=i),
            status_changed_at=now - timezone.timedelta(minutes=i),
        )
        for i in range(n)
    )
    theme, _ = Tag.objects.get_or_create(name="環境")
    Proposal.tags.through.objects.bulk_create(
        [Proposal.tags.through(proposal=p, tag=theme) for p in proposals]
    )
    RoleWanted.objects.bulk_create(
        [RoleWanted(proposal=p, name="デザイナー", count=1, pace="週2h") for p in proposals]
    )
    return proposals


@pytest.fixture
def member():
    return UserFactory(interests=["福祉"])


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
