"""The JSON API's input and output shapes. Inputs are strict and say in the schema what they accept.

Outputs are Ninja Schemas read straight from model instances and selector results: a field named
as the attribute is read as is, `alias` renames one, and a `resolve_<field>` computes one (with
`context["request"].auth`, the caller, where the answer depends on who asks). Resolvers use what
the selectors prefetched, so serialising runs no query per item.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
    model_validator,
)

from .. import commitments, origins, permissions, selectors
from ..models import BODY_MAX, COMMENT_MAX, NOTE_MAX, SUMMARY_MAX, TITLE_MAX, Proposal

# Text the database can store (no NUL), and text that must say something: not only what
# str.strip() removes. Spelt out because \s means different things to Python and to JavaScript
# (the schema's regex dialect), and the fuzzer must agree with the server on what is blank.
BLANK = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = rf"^[{BLANK}]*[^{BLANK}\x00][^\x00]*$"

StatusValue = Literal["idea", "discussion", "team_forming", "running", "done", "archived"]
MembershipStatusValue = Literal[
    "requested", "accepted", "declined", "left", "withdrawn", "finished"
]


def _text(max_length: int, *, required: bool = False):
    return Annotated[
        str,
        Strict(),
        StringConstraints(max_length=max_length, pattern=NOT_BLANK if required else NO_NUL),
    ]


def _caller(context: dict[str, Any]):
    """The member the answer is for (set by the API's authentication)."""
    return context["request"].auth


def _number_not_text(value):
    # JSON's 2 and 2.0 are both whole numbers; "2" and true are not numbers at all.
    if isinstance(value, str | bool):
        raise ValueError(_("Expected a whole number."))
    return value


def _whole_number(minimum: int, maximum: int):
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_number_not_text)]


class Input(BaseModel):
    """A request body: a JSON object, nothing else (ninja's Schema would read attributes of
    anything). Patterns run on Python's regex engine, whose idea of blank matches str.strip()."""

    model_config = ConfigDict(regex_engine="python-re")


# Errors ----------------------------------------------------------------------------------------


class ErrorOut(Schema):
    message: str
    details: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages per field; may be empty."
    )


class ConflictOut(ErrorOut):
    allowed: list[StatusValue] = Field(
        default_factory=list, description="Stages the proposal can move to from where it is now."
    )


# People ----------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    username: str
    display_name: str = Field(
        alias="public_name", description="The name to show: display name, else username."
    )


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    public_name: str
    bio: str
    interests: list[str]
    skills: str
    availability: str
    preferred_language: str
    is_moderator: bool

    @staticmethod
    def resolve_interests(user) -> list[str]:
        return [str(interest) for interest in user.interests or []]


# Proposals -------------------------------------------------------------------------------------


class RoleIn(Input):
    name: _text(60, required=True)
    count: _whole_number(1, 50) = 1
    pace: _text(80) = ""


VISITORS = (
    "Visitors outside the community see its title, summary, stage and open roles on the public "
    "page (the proposer's or a moderator's choice)."
)


class ProposalIn(Input):
    title: _text(TITLE_MAX, required=True)
    summary: _text(SUMMARY_MAX, required=True)
    body: _text(BODY_MAX) = Field("", description="Markdown; raw HTML is not rendered.")
    tags: Annotated[list[_text(40)], Field(max_length=10)] = []
    roles: Annotated[list[RoleIn], Field(max_length=10)] = []
    is_public: Annotated[bool, Strict()] = Field(False, description=VISITORS)


class ProposalPatch(Input):
    """Only the fields given change; null means unchanged. Tags and roles, when given, replace."""

    title: _text(TITLE_MAX, required=True) | None = None
    summary: _text(SUMMARY_MAX, required=True) | None = None
    body: _text(BODY_MAX) | None = None
    tags: Annotated[list[_text(40)], Field(max_length=10)] | None = None
    roles: Annotated[list[RoleIn], Field(max_length=10)] | None = None
    is_public: Annotated[bool, Strict()] | None = Field(None, description=VISITORS)


class OpenRoleOut(Schema):
    name: str
    wanted: int
    filled: int
    open: int
    pace: str


class ProposalSummaryOut(Schema):
    id: int
    title: str
    summary: str
    status: StatusValue
    status_label: str
    proposer: PersonOut
    tags: list[str]
    open_roles: list[OpenRoleOut]
    member_count: int
    cheer_count: int
    comment_count: int
    created_at: datetime
    last_activity_at: datetime

    @staticmethod
    def resolve_status_label(proposal: Proposal) -> str:
        return proposal.get_status_display()

    @staticmethod
    def resolve_tags(proposal: Proposal) -> list[str]:
        return selectors.theme_names(proposal)

    @staticmethod
    def resolve_open_roles(proposal: Proposal) -> list[selectors.OpenRole]:
        return selectors.open_roles(proposal)


class ProposalPage(Schema):
    items: list[ProposalSummaryOut]
    count: int = Field(description="How many proposals match, over all pages.")
    page: int
    page_size: int


class MemberOut(Schema):
    membership_id: int = Field(alias="pk")
    person: PersonOut = Field(alias="user")
    role: str
    joined_at: datetime | None = Field(alias="decided_at")


class MembershipOut(Schema):
    id: int
    proposal_id: int
    person: PersonOut = Field(alias="user")
    role: str
    availability: str
    message: str
    status: MembershipStatusValue
    response: str
    created_at: datetime
    decided_at: datetime | None
    until: date | None = Field(description="The day the time offered ends; null: no end.")


class TransitionOptionOut(Schema):
    name: str
    to: StatusValue = Field(alias="target")
    label: str
    note_required: bool
    note_label: str


class BlockedTransitionOut(TransitionOptionOut):
    reason: str

    @staticmethod
    def resolve_reason(option: selectors.TransitionOption) -> str:
        return option.blocked_reason or ""


class HistoryOut(Schema):
    name: str
    from_status: StatusValue
    to_status: StatusValue
    note: str
    actor: PersonOut | None
    at: datetime = Field(alias="created_at")


@dataclass(frozen=True)
class Viewer:
    """The caller's standing on one proposal, as ViewerOut reads it."""

    user: Any
    proposal: Proposal
    state: selectors.ViewerState


class ViewerOut(Schema):
    can_edit: bool
    can_join: bool
    cheered: bool
    following: bool
    membership_status: MembershipStatusValue | None

    @staticmethod
    def resolve_can_edit(viewer: Viewer) -> bool:
        return permissions.can_steer(viewer.user, viewer.proposal)

    @staticmethod
    def resolve_can_join(viewer: Viewer) -> bool:
        return permissions.can_request_to_join(
            viewer.user, viewer.proposal, membership=viewer.state.membership
        )

    @staticmethod
    def resolve_cheered(viewer: Viewer) -> bool:
        return viewer.state.cheered

    @staticmethod
    def resolve_following(viewer: Viewer) -> bool:
        return viewer.state.following

    @staticmethod
    def resolve_membership_status(viewer: Viewer) -> str | None:
        membership = viewer.state.membership
        return membership.status if membership else None


class SlackOriginOut(Schema):
    """The Slack message a proposal was made from ("Make it a proposal")."""

    channel_id: str
    message_ts: str
    permalink: str = Field(description="The message's address in Slack, once a worker has it.")
    author_slack_user_id: str
    author: PersonOut | None = Field(description="The message's author, when a linked member.")
    author_answer: str = Field(
        description="'' (the submitter proposes it), 'pending' (an idea from the author, waiting "
        "for them to confirm), 'confirmed' or 'declined'."
    )


class ProposalOut(ProposalSummaryOut):
    body: str
    is_public: bool = Field(description=VISITORS)
    body_html: str = Field(description="The body rendered from Markdown and sanitised.")
    outcome_note: str
    archive_reason: str
    updated_at: datetime
    status_changed_at: datetime
    available_transitions: list[TransitionOptionOut] = Field(
        description="Moves the caller can make now."
    )
    blocked_transitions: list[BlockedTransitionOut] = Field(
        description="Moves the caller could make once the reason is dealt with."
    )
    members: list[MemberOut]
    helped: list[MemberOut] = Field(
        description="People who finished their time on the team, with thanks (これまでに関わった人)."
    )
    join_requests: list[MembershipOut] = Field(
        description="Pending requests; shown to the proposer and moderators only."
    )
    history: list[HistoryOut]
    viewer: ViewerOut
    origin: SlackOriginOut | None = Field(description="The Slack message it was made from.")

    # Read from selectors.proposal_detail(): memberships and history come prefetched.

    @staticmethod
    def resolve_available_transitions(proposal: Proposal, context) -> list:
        options = selectors.transition_options(proposal=proposal, user=_caller(context))
        return [option for option in options if option.allowed]

    @staticmethod
    def resolve_blocked_transitions(proposal: Proposal, context) -> list:
        options = selectors.transition_options(proposal=proposal, user=_caller(context))
        return [option for option in options if not option.allowed]

    @staticmethod
    def resolve_members(proposal: Proposal) -> list:
        return selectors.accepted_members(proposal)

    @staticmethod
    def resolve_helped(proposal: Proposal) -> list:
        return selectors.finished_members(proposal)

    @staticmethod
    def resolve_join_requests(proposal: Proposal, context) -> list:
        if not permissions.can_steer(_caller(context), proposal):
            return []
        return selectors.pending_requests(proposal)

    @staticmethod
    def resolve_origin(proposal: Proposal):
        return origins.origin_of(proposal)

    @staticmethod
    def resolve_viewer(proposal: Proposal, context) -> Viewer:
        user = _caller(context)
        return Viewer(user, proposal, selectors.viewer_state(proposal=proposal, user=user))


class TransitionIn(Input):
    to: StatusValue
    note: _text(NOTE_MAX) = Field(
        "", description="Required when completing (the outcome) and when pausing (the reason)."
    )


# Teams -----------------------------------------------------------------------------------------


class JoinRequestIn(Input):
    role: _text(60, required=True)
    availability: _text(200) = ""
    message: _text(NOTE_MAX) = ""
    until: date | None = Field(
        None,
        description="The day my time ends (after today, within two years); null: no end. A week "
        "before, I am asked whether to continue or finish.",
    )
    until_months: Literal[1, 3, 6] | None = Field(
        None, description="Or: about this many months from today (instead of `until`)."
    )

    @model_validator(mode="after")
    def _one_end(self):
        if self.until is not None and self.until_months is not None:
            raise ValueError(_("Please give either until or until_months, not both."))
        return self

    @property
    def end(self) -> date | None:
        if self.until_months is not None:
            return commitments.months_after(timezone.localdate(), self.until_months)
        return self.until


class DecisionIn(Input):
    response: _text(NOTE_MAX) = Field("", description="Left empty, a kind default is sent.")


# Discussion ------------------------------------------------------------------------------------


class CommentIn(Input):
    body: _text(COMMENT_MAX, required=True) = Field(description="Markdown.")


class CommentOut(Schema):
    id: int
    author: PersonOut
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    is_hidden: bool = Field(
        description="Hidden by a moderator: listed only to moderators and to its author."
    )


class CommentPage(Schema):
    items: list[CommentOut]
    count: int
    page: int
    page_size: int


class CheerOut(Schema):
    cheered: bool
    cheer_count: int
