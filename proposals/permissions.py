"""Every "may / can / visible" rule, asked alike by pages, the API and Slack.

Pure predicates: no queries beyond the user's own moderator flag (cached on the user).
"""

from dataclasses import dataclass

from django.db.models import Q

from .choices import ACTIVE_STATUSES, MembershipStatus, Status

# People can ask to join while a proposal is alive: from the first idea to running.
JOINABLE_STATUSES = ACTIVE_STATUSES
# What visitors may see of a public proposal: while it is alive, and once it is done.
PUBLIC_STATUSES = (*ACTIVE_STATUSES, Status.DONE)


@dataclass(frozen=True)
class Asker:
    """What these rules read of the person asking, read once: for a page that asks them of a
    hundred cards (request.user is a lazy wrapper, and every attribute read through it is a
    call of its own)."""

    pk: int | None
    is_authenticated: bool
    is_moderator: bool

    @classmethod
    def of(cls, user) -> "Asker":
        if isinstance(user, Asker):
            return user
        signed_in = bool(user and user.is_authenticated)
        return cls(
            pk=user.pk if signed_in else None,
            is_authenticated=signed_in,
            is_moderator=bool(signed_in and user.is_moderator),
        )


def is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_moderator)


def is_owner(user, proposal) -> bool:
    return bool(user and user.is_authenticated and proposal.proposer_id == user.pk)


def can_steer(user, proposal) -> bool:
    """Proposer-level rights: edit, move through the lifecycle, decide on join requests."""
    return is_owner(user, proposal) or is_moderator(user)


def can_make_public(user, proposal) -> bool:
    """Showing a proposal to visitors outside the community is the proposer's choice (and a
    moderator's, who may also take it back)."""
    return can_steer(user, proposal)


def is_public_to_visitors(proposal) -> bool:
    """Visitors (the public page, issue 16) see a proposal its proposer marked public, while it is
    alive or done: a paused (archived) one is out of sight. They see its title, summary, stage and
    open roles only; never its body, discussion, team or history."""
    return bool(proposal.is_public) and proposal.status in PUBLIC_STATUSES


def public_to_visitors() -> Q:
    """`is_public_to_visitors` as a filter."""
    return Q(is_public=True, status__in=PUBLIC_STATUSES)


def can_cheer(user, proposal) -> bool:
    """応援 is for others' ideas: the proposer is not offered a cheer of their own."""
    return bool(user and user.is_authenticated) and not is_owner(user, proposal)


def is_recruiting(proposal) -> bool:
    return proposal.status in JOINABLE_STATUSES


def can_request_to_join(user, proposal, *, membership=None) -> bool:
    """`membership` is the person's own on this proposal, if any: someone already on the team or
    waiting for an answer does not ask again."""
    return (
        bool(user and user.is_authenticated)
        and not is_owner(user, proposal)
        and is_recruiting(proposal)
        and (
            membership is None
            or membership.status not in (MembershipStatus.ACCEPTED, MembershipStatus.REQUESTED)
        )
    )


def can_edit_comment(user, comment) -> bool:
    return bool(user and user.is_authenticated and comment.author_id == user.pk)


def can_delete_comment(user, comment) -> bool:
    return can_edit_comment(user, comment)


def can_see_comment(user, comment) -> bool:
    """A hidden comment stays visible to moderators and to its own author (who can still edit it)."""
    if not comment.is_hidden:
        return True
    return is_moderator(user) or can_edit_comment(user, comment)


def comments_visible_to(user) -> Q:
    """`can_see_comment` as a filter, for reading a page of comments from the database."""
    if is_moderator(user):
        return Q()
    if user and user.is_authenticated:
        return Q(is_hidden=False) | Q(author_id=user.pk)
    return Q(is_hidden=False)


def comments_visible_sql(user, *, is_hidden: str, author: str) -> tuple[str, list]:
    """`comments_visible_to` as SQL over the comment table's `is_hidden` and `author` columns (and
    its parameters), for reading the proposal page's comments as plain rows ("" lets all through)."""
    if is_moderator(user):
        return "", []
    if user and user.is_authenticated:
        return f"{is_hidden} = %s OR {author} = %s", [False, user.pk]
    return f"{is_hidden} = %s", [False]


def can_hide_comment(user, comment) -> bool:
    return is_moderator(user)


# Slack (issue 12): the proposal's thread and links to its page posted in the workspace.


def can_switch_slack_replies(user, proposal) -> bool:
    """Whether replies in the proposal's Slack thread become comments: the proposer's call (or a
    moderator's)."""
    return can_steer(user, proposal)


def slack_replies_become_comments(proposal) -> bool:
    return proposal.slack_replies_import


def can_unfurl(proposal) -> bool:
    """A link to the proposal's page, posted anywhere in the workspace, shows its card: only while
    it is out in the open. A paused (archived) idea rests; its page stays for signed-in members,
    but the workspace at large (guests, shared channels) is not shown it."""
    return proposal.status != Status.ARCHIVED


def can_answer_authorship(user, origin) -> bool:
    """A proposal made from someone's Slack message on their behalf: only that author says
    whether it is theirs (Confirm / Not me), and only while it waits for them."""
    return bool(
        user and user.is_authenticated and origin.is_pending and origin.author_id == user.pk
    )
