"""Real changes through the services, for "the render after a change" and the write benchmarks.

A `Changer` walks proposals in a cycle of four writes on each: a cheer, a comment, that comment
deleted, the cheer taken back. Every step is a real service call (row lock, counts recomputed,
events and deliveries recorded, tasks published to the broker after commit), and after every
fourth step the counts are where they started, so however many requests a benchmark makes, the
page it measures never grows (the detail page keeps its 200 comments at every scale).
"""

import re
from collections.abc import Sequence

STEPS = ("cheer", "comment", "uncomment", "uncheer")
SHOWN = re.compile(r'href="/proposals/(\d+)/"')


def shown_proposals(html: str) -> list[int]:
    """The proposals a page links to, in the order it shows them (each once)."""
    return list(dict.fromkeys(int(pk) for pk in SHOWN.findall(html)))


class Changer:
    """Call it to make one change; `proposal_ids` are the proposals it changes, in turn."""

    def __init__(self, proposal_ids: Sequence[int], user_id: int) -> None:
        if not proposal_ids:
            raise ValueError("a Changer needs at least one proposal to change")
        self.proposal_ids = list(proposal_ids)
        self.user_id = user_id
        self.count = 0
        self._comment_id: int | None = None
        self._user = None

    def __call__(self) -> str:
        """Make the next change; returns which step it was."""
        from members.models import User
        from proposals import services
        from proposals.models import Comment, Proposal

        if self._user is None:
            self._user = User.objects.get(pk=self.user_id)
        step = STEPS[self.count % len(STEPS)]
        pk = self.proposal_ids[(self.count // len(STEPS)) % len(self.proposal_ids)]
        self.count += 1
        # Each change starts from the row as a request would: fetched afresh.
        proposal = Proposal.objects.get(pk=pk)
        if step in ("cheer", "uncheer"):
            services.cheer_toggle(proposal=proposal, user=self._user)
        elif step == "comment":
            comment = services.comment_create(
                proposal=proposal,
                author=self._user,
                body=f"ベンチの変更 {self.count}: **いいですね**。",
            )
            self._comment_id = comment.pk
        else:
            comment = Comment.objects.select_related("proposal").get(pk=self._comment_id)
            services.comment_delete(comment=comment, by=self._user)
            self._comment_id = None
        return step
