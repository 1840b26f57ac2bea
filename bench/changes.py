"""Real changes through the services, for "the render after a change" and the write benchmarks.

A `Changer` walks proposals in a cycle of four writes on each: a cheer, a comment, that comment
deleted, the cheer taken back. Every step is a real service call (row lock, counts recomputed,
events and deliveries recorded, tasks published to the broker after commit), and after every
fourth step the counts are where they started, so however many requests a benchmark makes, the
page it measures never grows (the detail page keeps its 200 comments at every scale).

A `ProfileChanger` (the members page, the proposal page's "people who might like to help") walks
members in a cycle of four: one edits their profile through the profile service (a skill and
words about their availability added), cheers a proposal, edits it back and takes the cheer back.
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


PROFILE_STEPS = ("edit", "cheer", "edit back", "uncheer")
ADDED_SKILL = "デザイナー"


class ProfileChanger:
    """Call it to make one change; `member_ids` take turns (a cycle of PROFILE_STEPS each), each
    cheering `proposal_ids` in turn. After every cycle the profile and the counts are as they
    were, so the page measured never grows."""

    def __init__(self, member_ids: Sequence[int], proposal_ids: Sequence[int]) -> None:
        if not (member_ids and proposal_ids):
            raise ValueError("a ProfileChanger needs members to change and proposals to cheer")
        self.member_ids = list(member_ids)
        self.proposal_ids = list(proposal_ids)
        self.count = 0
        self._before: dict[str, str] = {}

    def __call__(self) -> str:
        """Make the next change; returns which step it was."""
        from members.models import User
        from members.services import profile_update
        from proposals import services
        from proposals.models import Proposal

        step = PROFILE_STEPS[self.count % len(PROFILE_STEPS)]
        cycle = self.count // len(PROFILE_STEPS)
        self.count += 1
        # Each change starts from the rows as a request would: fetched afresh.
        member = User.objects.get(pk=self.member_ids[cycle % len(self.member_ids)])
        if step in ("edit", "edit back"):
            if step == "edit":
                self._before = {"skills": member.skills, "availability": member.availability}
                skills = f"{member.skills}、{ADDED_SKILL}".strip("、")
                availability = f"{member.availability}(変更 {self.count})".strip()
            else:
                skills, availability = self._before["skills"], self._before["availability"]
            profile_update(
                user=member,
                display_name=member.display_name,
                bio=member.bio,
                interests=member.interests,
                skills=skills[:300],
                availability=availability[:200],
                preferred_language=member.preferred_language,
            )
        else:
            proposal = Proposal.objects.get(pk=self.proposal_ids[cycle % len(self.proposal_ids)])
            services.cheer_set(proposal=proposal, user=member, cheered=step == "cheer")
        return step
