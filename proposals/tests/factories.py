from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Membership, Proposal, SlackOrigin


def make_proposal(*, proposer=None, status="idea", roles=("designer",), **fields) -> Proposal:
    """A proposal made through the real service, then put into `status` directly (test set-up only)."""
    proposer = proposer or UserFactory()
    proposal = services.proposal_submit(
        proposer=proposer,
        title=fields.pop("title", "地域の子ども食堂を手伝いたい"),
        summary=fields.pop("summary", "月1回の子ども食堂で、配膳と広報を手伝いたい。"),
        roles=[services.RoleInput(name=name, count=2, pace="週2h") for name in roles],
        **fields,
    )
    if status != "idea":
        Proposal.objects.filter(pk=proposal.pk).update(status=status)
        proposal = Proposal.objects.get(pk=proposal.pk)
    return proposal


def add_member(proposal: Proposal, user=None, role: str = "designer") -> Membership:
    membership = services.membership_request(
        proposal=proposal, user=user or UserFactory(), role=role
    )
    return services.membership_accept(membership=membership, by=proposal.proposer)


def slack_origin(
    proposal: Proposal,
    *,
    author,
    submitted_by,
    answer: str = "pending",
    ts: str = "1700000000.000100",
) -> SlackOrigin:
    """The proposal was made from `author`'s Slack message by `submitted_by` (in #C0MAIN), with
    the author's answer to "is this yours?" so far."""
    return SlackOrigin.objects.create(
        proposal=proposal,
        channel_id="C0MAIN",
        message_ts=ts,
        author_slack_user_id=author.slack_user_id or "",
        author=author,
        submitted_by=submitted_by,
        author_answer=answer,
    )
