"""The lifecycle table (ARCHITECTURE §2) as data: one source for the model, the service, pages and API."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import Status


@dataclass(frozen=True)
class TransitionSpec:
    name: str
    sources: tuple[str, ...]
    target: str
    label: str
    note_required: bool = False
    note_label: str = ""


TRANSITIONS: tuple[TransitionSpec, ...] = (
    TransitionSpec("open_discussion", (Status.IDEA,), Status.DISCUSSION, _("Open the discussion")),
    TransitionSpec(
        "start_team_forming", (Status.DISCUSSION,), Status.TEAM_FORMING, _("Start forming a team")
    ),
    TransitionSpec("launch", (Status.TEAM_FORMING,), Status.RUNNING, _("Launch")),
    TransitionSpec(
        "complete",
        (Status.RUNNING,),
        Status.DONE,
        _("Mark as done"),
        note_required=True,
        note_label=_("Outcome: what happened, what did you learn?"),
    ),
    TransitionSpec(
        "back_to_discussion", (Status.TEAM_FORMING,), Status.DISCUSSION, _("Back to discussion")
    ),
    TransitionSpec(
        "recruit_more", (Status.RUNNING,), Status.TEAM_FORMING, _("Recruit more people")
    ),
    TransitionSpec(
        "archive",
        (Status.IDEA, Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING),
        Status.ARCHIVED,
        _("Pause (archive)"),
        note_required=True,
        note_label=_("Reason, in kind words (e.g. “not now, maybe later”)"),
    ),
    TransitionSpec("reopen", (Status.ARCHIVED,), Status.IDEA, _("Reopen")),
)

BY_NAME = {spec.name: spec for spec in TRANSITIONS}


def spec_for(source: str, target: str) -> TransitionSpec | None:
    """The transition that leads from source to target (at most one per pair, by design)."""
    for spec in TRANSITIONS:
        if source in spec.sources and spec.target == target:
            return spec
    return None


def targets_from(source: str) -> list[TransitionSpec]:
    return [spec for spec in TRANSITIONS if source in spec.sources]


def guard_failure(proposal, spec: TransitionSpec) -> str | None:
    """Why a permitted transition cannot happen yet, in words for a person; None when it can."""
    from django.conf import settings
    from django.utils.translation import gettext

    if spec.name == "start_team_forming" and not list(proposal.roles_wanted.all()):
        return gettext("First say which roles you are looking for (edit the proposal).")
    if spec.name == "launch" and proposal.member_count < settings.MIN_TEAM_SIZE:
        return gettext(
            "A team needs at least %(minimum)d members, counting the proposer; it has %(count)d."
        ) % {"minimum": settings.MIN_TEAM_SIZE, "count": proposal.member_count}
    return None
