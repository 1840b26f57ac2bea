"""Every non-trivial read. Each selector runs a fixed number of queries, whatever the data size."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from incubator.links import pk_url
from members.models import shown_name
from members.selectors import person_columns_left_out

from . import card_rows, detail_rows, permissions
from .choices import (
    ACTIVE_STATUSES,
    PROPOSER_ROLE,
    SUGGESTED_THEMES,
    MembershipStatus,
    Status,
)
from .lifecycle import BY_NAME, targets_from
from .models import (
    AuthorAnswer,
    Cheer,
    Comment,
    Follow,
    Invitation,
    InvitationStatus,
    Membership,
    Proposal,
    RoleWanted,
    SlackOrigin,
)


def proposal_list(
    *,
    user=None,
    status: str | None = None,
    tag: str | None = None,
    q: str | None = None,
    mine: bool = False,
) -> QuerySet[Proposal]:
    """The list page and `GET /api/v1/proposals`: filtered as the board filters."""
    # Lists show summaries; the Markdown body is only searched, in SQL, never loaded.
    proposals = (
        Proposal.objects.select_related("proposer")
        .defer("body", "body_html")
        .prefetch_related(
            "tags",
            "roles_wanted",
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(status=MembershipStatus.ACCEPTED),
                to_attr="accepted_memberships",
            ),
        )
    )
    if status:
        proposals = proposals.filter(status=status)
    return filter_proposals(proposals, user=user, theme=tag or "", q=q or "", mine=mine)


# Shared filters: the list, the board, the API and Slack ask the same questions the same way.


def involving(user) -> Q:
    """ "Mine": proposed by the member, or on their team."""
    return Q(proposer_id=user.pk) | Q(
        pk__in=Membership.objects.filter(user_id=user.pk, status=MembershipStatus.ACCEPTED).values(
            "proposal_id"
        )
    )


def matching(text: str) -> Q:
    """Every word (up to five) in the title, the summary or the body."""
    condition = Q()
    for word in text.split()[:5]:
        condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    return condition


def _filled_places():
    """How many accepted members hold the outer RoleWanted's role (None when nobody does)."""
    return (
        Membership.objects.filter(
            proposal=OuterRef("proposal"), role=OuterRef("name"), status=MembershipStatus.ACCEPTED
        )
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )


def looking_for_people() -> Q:
    """ "Looking for people" (募集中): a stage where people can join, and a wanted role with fewer
    accepted members than it asks for. The one meaning, on every surface."""
    open_role = Exists(
        RoleWanted.objects.filter(proposal=OuterRef("pk")).filter(
            count__gt=Coalesce(Subquery(_filled_places()), 0)
        )
    )
    return Q(status__in=permissions.JOINABLE_STATUSES) & Q(open_role)


def filter_proposals(
    proposals: QuerySet[Proposal],
    *,
    user=None,
    theme: str = "",
    q: str = "",
    mine: bool = False,
    looking: bool = False,
    interests: bool = False,
) -> QuerySet[Proposal]:
    tagged = Proposal.tags.through.objects
    if theme:
        proposals = proposals.filter(pk__in=tagged.filter(tag__name=theme).values("proposal_id"))
    if q:
        proposals = proposals.filter(matching(q))
    signed_in = user is not None and user.is_authenticated
    if mine and signed_in:
        proposals = proposals.filter(involving(user))
    if looking:
        proposals = proposals.filter(looking_for_people())
    if interests and signed_in:
        proposals = proposals.filter(
            pk__in=tagged.filter(tag__name__in=list(user.interests or [])).values("proposal_id")
        )
    return proposals


# The proposal page shows the latest comments; earlier ones come a page at a time ("show earlier").
COMMENTS_PAGE = 30
TIMELINE_SHOWN = 20


def proposal_detail(*, pk: int, viewer=None, comments: int | None = COMMENTS_PAGE) -> Proposal:
    """A proposal with everything its page shows, in a fixed number of queries.

    `comments` is how many of the latest comments `viewer` may see to load (as
    `recent_comments`, oldest first, with one more than asked for when there are earlier ones),
    None for all of them, 0 for none (the API's detail: comments have their own endpoint).
    """
    # The proposal with its proposer, and the Slack message it was made from (if any) with that
    # message's author. Its own lists come from one plain query each: Django's prefetch of a list
    # to an attribute costs as much again as the query itself (a third of this page's loading),
    # and two `Exists` annotations made the proposal's own query cost four times its plain read.
    proposal = Proposal.objects.select_related("proposer", "slack_origin__author").get(pk=pk)
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in:
        # The viewer's own cheer and follow, for viewer_state (no query of their own).
        proposal.viewer_cheered, proposal.viewer_following = detail_rows.viewer_marks(
            proposal.pk, viewer.pk
        )
    proposal.loaded_for = viewer.pk if signed_in else None
    # The page's lists as plain rows (detail_rows): no queryset to compile, no model instances.
    places = [
        TeamPlace(
            *row[:2],
            CardPerson(pk=row[1], public_name=shown_name(row[12], row[11]), username=row[11]),
            *row[2:11],
            proposal_id=proposal.pk,
        )
        for row in detail_rows.membership_rows(proposal.pk, DETAIL_MEMBERSHIPS)
    ]
    proposal.current_memberships = [m for m in places if m.status != MembershipStatus.FINISHED]
    # これまでに関わった人: who finished their time here, with thanks (latest first).
    proposal.finished_memberships = sorted(
        (m for m in places if m.status == MembershipStatus.FINISHED),
        key=lambda m: (m.updated_at, m.pk),
        reverse=True,
    )
    # Its roles, each knowing how many places are filled, and its themes, as a card has them.
    filled = Counter(
        m.role for m in proposal.current_memberships if m.status == MembershipStatus.ACCEPTED
    )
    proposal.card_roles = [
        OpenRole(name=name, wanted=count, filled=filled[name], pace=pace)
        for _proposal, name, count, pace in card_rows.role_rows([proposal.pk])
    ]
    proposal.card_themes = [
        CardTheme(name) for _proposal, name in card_rows.theme_rows([proposal.pk])
    ]
    proposal.history = [
        HistoryEntry(
            *row[:6],
            actor=None
            if row[6] is None
            else CardPerson(pk=row[6], public_name=shown_name(row[8], row[7]), username=row[7]),
            proposal_id=proposal.pk,
        )
        for row in detail_rows.history_rows(proposal.pk)
    ]
    if comments != 0:
        columns = detail_rows.comment_columns()
        visible = permissions.comments_visible_sql(
            viewer, is_hidden=columns["is_hidden"], author=columns["author"]
        )
        latest = detail_rows.comment_rows(
            proposal.pk, visible, limit=None if comments is None else comments + 1
        )
        proposal.recent_comments = [
            PageComment(
                row[0],
                row[1],
                CardPerson(pk=row[1], public_name=shown_name(row[8], row[7]), username=row[7]),
                *row[2:7],
                proposal_id=proposal.pk,
            )
            for row in reversed(latest)
        ]
    return proposal


DETAIL_MEMBERSHIPS = (
    MembershipStatus.ACCEPTED.value,
    MembershipStatus.REQUESTED.value,
    MembershipStatus.FINISHED.value,
)


@dataclass(frozen=True, slots=True)
class TeamPlace:
    """A Membership as the proposal page, the API and the rules read it (detail_rows)."""

    pk: int
    user_id: int
    user: CardPerson
    role: str
    availability: str
    message: str
    status: str
    response: str
    created_at: datetime
    decided_at: datetime | None
    until: date | None
    updated_at: datetime
    proposal_id: int

    @property
    def id(self) -> int:
        return self.pk

    @property
    def is_proposer(self) -> bool:
        return self.role == PROPOSER_ROLE


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A TransitionLog as the page's timeline and stage times and the API read it."""

    pk: int
    name: str
    from_status: str
    to_status: str
    note: str
    created_at: datetime
    actor: CardPerson | None
    proposal_id: int

    @property
    def id(self) -> int:
        return self.pk

    def get_from_status_display(self) -> str:
        return _status_label(self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.to_status)


def _status_label(value: str) -> str:
    """What Django's get_FOO_display gives for a stage (its value when it is not one)."""
    return str(Status(value).label) if value in Status.values else value


@dataclass(frozen=True, slots=True)
class PageComment:
    """A Comment as the proposal page shows it (comment_html) and the rules ask about it."""

    pk: int
    author_id: int
    author: CardPerson
    body_html: str
    is_hidden: bool
    created_at: datetime
    edited_at: datetime | None
    slack_ts: str
    proposal_id: int

    @property
    def id(self) -> int:
        return self.pk


@dataclass(frozen=True)
class CommentPage:
    comments: list[Comment]  # oldest first
    has_earlier: bool

    @property
    def earliest_id(self) -> int | None:
        return self.comments[0].pk if self.comments else None


def comments_before(
    *, proposal: Proposal, viewer, before_id: int | None = None, limit: int = COMMENTS_PAGE
) -> CommentPage:
    """A page of the comments `viewer` may see, the latest first among those older than
    `before_id` (one query)."""
    comments = Comment.objects.filter(proposal=proposal).filter(
        permissions.comments_visible_to(viewer)
    )
    if before_id is not None:
        comments = comments.filter(pk__lt=before_id)
    found = list(comments.select_related("author").order_by("-created_at", "-id")[: limit + 1])
    return CommentPage(comments=found[:limit][::-1], has_earlier=len(found) > limit)


def accepted_members(proposal: Proposal) -> list[Membership]:
    if hasattr(proposal, "current_memberships"):
        return [m for m in proposal.current_memberships if m.status == MembershipStatus.ACCEPTED]
    if hasattr(proposal, "accepted_memberships"):
        return proposal.accepted_memberships
    return list(
        proposal.memberships.filter(status=MembershipStatus.ACCEPTED).select_related("user")
    )


def pending_requests(proposal: Proposal) -> list[Membership]:
    return [m for m in proposal.current_memberships if m.status == MembershipStatus.REQUESTED]


def finished_members(proposal: Proposal) -> list[Membership]:
    """The people who finished their time on the team, with thanks (proposal_detail loads them)."""
    if hasattr(proposal, "finished_memberships"):
        return proposal.finished_memberships
    return list(
        proposal.memberships.filter(status=MembershipStatus.FINISHED)
        .select_related("user")
        .order_by("-updated_at", "-pk")
    )


# Not frozen, as the other values a board builds by the hundred: a frozen dataclass costs about
# six times as much to make.
@dataclass(slots=True)
class OpenRole:
    name: str
    wanted: int
    filled: int
    pace: str

    @property
    def open(self) -> int:
        return max(0, self.wanted - self.filled)


def open_roles(proposal: Proposal) -> list[OpenRole]:
    """Roles wanted, with how many are filled and still open: they shrink as people are accepted.
    (Read from `card_roles` where the page loaded them: the board's and list's cards, the
    proposal page.)"""
    loaded = getattr(proposal, "card_roles", None)
    if loaded is not None:
        return loaded
    filled: dict[str, int] = defaultdict(int)
    for membership in accepted_members(proposal):
        filled[membership.role] += 1
    return [
        OpenRole(name=role.name, wanted=role.count, filled=filled[role.name], pace=role.pace)
        for role in proposal.roles_wanted.all()
    ]


def theme_names(proposal: Proposal) -> list[str]:
    """The proposal's themes: from `card_themes` where the page loaded them (the cards, the
    proposal page), else its tags (a prefetch, as the API's list has)."""
    loaded = getattr(proposal, "card_themes", None)
    if loaded is not None:
        return [theme.name for theme in loaded]
    return [tag.name for tag in proposal.tags.all()]


def roles_still_open(proposal: Proposal) -> list[OpenRole]:
    """Roles with places left, while people can still join: what 募集中 shows everywhere."""
    if not permissions.is_recruiting(proposal):
        return []
    return [role for role in open_roles(proposal) if role.open]


@dataclass(frozen=True)
class TransitionOption:
    name: str
    target: str
    label: str
    note_required: bool
    note_label: str
    blocked_reason: str | None
    # Where the person can fix what blocks the move (a page of the proposal), when there is one.
    fix_label: str = ""
    fix_url: str = ""

    @property
    def allowed(self) -> bool:
        return self.blocked_reason is None


@lru_cache(maxsize=256)
def _move_words(name: str, language: str | None) -> tuple[str, str]:
    """A move's button and note wording in `language` (the table's words never change while the
    process runs; a board asks for them a few hundred times)."""
    spec = BY_NAME[name]
    with translation.override(language):
        return str(spec.label), str(spec.note_label)


@lru_cache(maxsize=256)
def _open_move(name: str, language: str | None) -> TransitionOption:
    """A move nothing blocks: the same value for every card that offers it, in one language."""
    spec = BY_NAME[name]
    label, note_label = _move_words(name, language)
    return TransitionOption(
        name=name,
        target=spec.target,
        label=label,
        note_required=spec.note_required,
        note_label=note_label,
        blocked_reason=None,
    )


def transition_options(
    *, proposal: Proposal, user, language: str | None = None
) -> list[TransitionOption]:
    """The moves this person may make from here, each either possible now or blocked with a reason
    and the way to unblock it (worded in `language`, by default the active one)."""
    options = []
    language = language or translation.get_language()
    for spec in targets_from(proposal.status):
        if not spec.permits(user, proposal):
            continue
        blocked = spec.blocked(proposal)
        if blocked is None:
            options.append(_open_move(spec.name, language))
            continue
        options.append(
            replace(
                _open_move(spec.name, language),
                blocked_reason=blocked.reason,
                fix_label=blocked.fix_label,
                fix_url=blocked.fix_url,
            )
        )
    return options


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "created" | "transition" | "joined" | "comment"
    at: datetime
    actor: object
    item: object = None


def proposal_timeline(*, proposal: Proposal) -> list[TimelineEntry]:
    """Transitions, joins and the loaded comments, oldest first (uses proposal_detail's
    prefetches)."""
    entries = [TimelineEntry("created", proposal.created_at, proposal.proposer)]
    entries += [TimelineEntry("transition", t.created_at, t.actor, t) for t in proposal.history]
    entries += [
        TimelineEntry("joined", m.decided_at, m.user, m)
        for m in accepted_members(proposal)
        if not m.is_proposer and m.decided_at
    ]
    entries += [
        TimelineEntry("comment", c.created_at, c.author, c)
        for c in proposal.recent_comments
        if not c.is_hidden
    ]
    return sorted(entries, key=lambda entry: entry.at)


def time_in_state(*, proposal: Proposal, now: datetime | None = None) -> dict[str, timedelta]:
    """How long the proposal has spent in each stage, from its transition log."""
    now = now or timezone.now()
    history = getattr(proposal, "history", None)
    if history is None:
        history = list(proposal.transitions.all())
    spent: dict[str, timedelta] = defaultdict(timedelta)
    state, since = Status.IDEA.value, proposal.created_at
    for entry in history:
        spent[entry.from_status] += entry.created_at - since
        state, since = entry.to_status, entry.created_at
    spent[state] += now - since
    return dict(spent)


@dataclass(frozen=True)
class ViewerState:
    cheered: bool
    following: bool
    membership: Membership | None


def viewer_state(*, proposal: Proposal, user) -> ViewerState:
    if not user.is_authenticated:
        return ViewerState(False, False, None)
    membership = next((m for m in proposal.current_memberships if m.user_id == user.pk), None)
    if getattr(proposal, "loaded_for", None) == user.pk:  # proposal_detail asked for this viewer
        return ViewerState(proposal.viewer_cheered, proposal.viewer_following, membership)
    return ViewerState(
        cheered=Cheer.objects.filter(proposal=proposal, user=user).exists(),
        following=Follow.objects.filter(proposal=proposal, user=user).exists(),
        membership=membership,
    )


# The kanban board (issue 3). One selector builds the page, the htmx partials and GET /api/v1/board.

BOARD_PAGE_SIZE = 20
BOARD_STATUSES = (Status.IDEA, Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING, Status.DONE)
# After this long without activity a card shows a gentle "quiet for N days" hint, never a warning.
BOARD_QUIET_AFTER = timedelta(days=30)

STAGE_EXPLANATIONS = {
    Status.IDEA: gettext_lazy("A “want to try” in a line or two. No plan needed yet."),
    Status.DISCUSSION: gettext_lazy(
        "Thinking it over together. Questions and half-formed thoughts welcome."
    ),
    Status.TEAM_FORMING: gettext_lazy("Looking for companions, each joining at their own pace."),
    Status.RUNNING: gettext_lazy("Trying it out, one step at a time."),
    Status.DONE: gettext_lazy("Tried it! What happened and what we learned."),
    Status.ARCHIVED: gettext_lazy("Resting for now. It can come back whenever the time is right."),
}


@dataclass(frozen=True)
class BoardFilters:
    theme: str = ""
    q: str = ""
    mine: bool = False
    looking: bool = False
    interests: bool = False
    archived: bool = False
    # "Looking for someone like me": `within` holds the proposals members.suggestions found for
    # the viewer (set by `members.suggestions.suited_filters`, never from the URL).
    suited: bool = False
    within: tuple[int, ...] | None = None

    @classmethod
    def from_params(cls, params) -> BoardFilters:
        def flag(name: str) -> bool:
            return str(params.get(name) or "").lower() in ("1", "on", "true", "yes")

        def text(name: str, limit: int) -> str:
            # Words only: no control characters (PostgreSQL refuses NUL), spaces collapsed.
            raw = "".join(char for char in str(params.get(name) or "") if char.isprintable())
            return " ".join(raw.split())[:limit]

        return cls(
            theme=text("theme", 40),
            q=text("q", 100),
            mine=flag("mine"),
            looking=flag("looking"),
            interests=flag("interests"),
            archived=flag("archived"),
            suited=flag("suited"),
        )

    @property
    def narrowed(self) -> bool:
        """Whether any filter leaves out some proposals of the columns' stages (`archived` only
        adds a column). A new filter belongs here too."""
        return (
            bool(self.theme or self.q or self.mine or self.looking or self.interests)
            or self.within is not None
        )

    def as_params(self) -> dict[str, str]:
        """Only the filters that are set, as they appear in the URL."""
        params = {"theme": self.theme, "q": self.q}
        params |= {
            name: "1"
            for name in ("mine", "looking", "interests", "archived", "suited")
            if getattr(self, name)
        }
        return {name: value for name, value in params.items() if value}

    @property
    def statuses(self) -> tuple[str, ...]:
        return (*BOARD_STATUSES, Status.ARCHIVED) if self.archived else BOARD_STATUSES


def _board_filtered(proposals: QuerySet[Proposal], *, user, filters: BoardFilters):
    """`proposals` narrowed by the board's filters (all but the stages)."""
    proposals = filter_proposals(
        proposals,
        user=user,
        theme=filters.theme,
        q=filters.q,
        mine=filters.mine,
        looking=filters.looking,
        interests=filters.interests,
    )
    if filters.within is not None:
        proposals = proposals.filter(pk__in=filters.within)
    return proposals


def board_queryset(*, user, filters: BoardFilters) -> QuerySet[Proposal]:
    """The proposals the board shows for these filters, unordered and without relations."""
    statuses = Proposal.objects.filter(status__in=filters.statuses)
    return _board_filtered(statuses, user=user, filters=filters).order_by()


@dataclass(frozen=True)
class BoardVersion:
    """The board's validator, and its columns' counts for when it is rendered after all.

    With filters set, the validator's statement counted the columns already (`known_counts`);
    without, it only counted the proposals, and the columns are counted when first asked for,
    so an unchanged poll never counts them."""

    fingerprint: str
    user: object = field(repr=False, compare=False)
    filters: BoardFilters = field(repr=False, compare=False)
    known_counts: dict[str, int] | None = field(default=None, repr=False)

    @cached_property
    def counts(self) -> dict[str, int]:
        """How many proposals each column holds."""
        if self.known_counts is not None:
            return self.known_counts
        return board_counts(user=self.user, filters=self.filters)


def _quarter_hour() -> str:
    now = timezone.localtime()
    return f"{now:%Y-%m-%d %H}:{now.minute // 15}"


def _board_condition(*, user, filters: BoardFilters) -> tuple[str | None, list]:
    """What the filters ask of a board's proposal beyond its stage, as SQL on the proposal table
    that follows an AND (`board_queryset`'s condition, compiled once): "" when no filter is set
    (no queryset to build at all), None when they match nothing."""
    if not filters.narrowed:
        return "", []
    query = _board_filtered(Proposal.objects.all(), user=user, filters=filters).query
    if not query.where:
        return "", []
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        return None, []
    except FullResultSet:
        return "", []
    return f" AND ({sql})", list(params)


def board_version(*, user, filters: BoardFilters) -> BoardVersion:
    """A validator for the rendered board, from cheap reads (no lock, no shared counter): the
    latest change to any proposal (every service write moves its `updated_at`, so any change
    the board could show moves this; a change the filters leave out only costs a poll one
    needless render) and a count that a deletion moves. Then what else the board depends on:
    the viewer and their moderator flag (what they may move), their interests when that filter
    is on, the language and time zone, the quarter hour and the filters.

    Without filters, the count is of every proposal (card_rows.proposal_extent), which both
    databases answer cheaply; a card changing stage moves the latest change with it, and the
    columns are only counted if the board is rendered. With filters, what they match also
    depends on other tables (themes, teams, open roles), so the count is per column, of the
    proposals they match (card_rows.stage_counts), and those are the columns' counts too."""
    condition, params = _board_condition(user=user, filters=filters)
    known_counts = None
    if condition == "":
        total, latest = card_rows.proposal_extent()
        counted = f"all:{total}"
    else:
        # A count per stage down the (status, …) index, and one step down the updated_at index.
        numbers, latest = card_rows.stage_counts(filters.statuses, condition, params)
        known_counts = dict(zip(filters.statuses, numbers, strict=True))
        counted = repr(sorted((status, n) for status, n in known_counts.items() if n))
    raw = "|".join(
        [
            counted,
            latest.isoformat() if latest else "",
            str(user.pk),
            str(permissions.is_moderator(user)),
            settings.RELEASE,  # a deploy changes the page around the cards
            repr(list(user.interests or [])) if filters.interests else "",
            translation.get_language() or "",
            # Times on the cards ("in this stage for 3 days", a next meetup's start) are in the
            # viewer's zone; a meetup that has ended leaves its card within a quarter of an hour.
            timezone.get_current_timezone_name(),
            _quarter_hour(),
            repr(sorted(filters.as_params().items())),
            repr(filters.within),  # what the suggestions found for the viewer just now
        ]
    )
    return BoardVersion(
        hashlib.blake2b(raw.encode(), digest_size=12).hexdigest(),
        user=user,
        filters=filters,
        known_counts=known_counts,
    )


def board_counts(*, user, filters: BoardFilters) -> dict[str, int]:
    """How many proposals each column holds (one statement, a count per stage)."""
    condition, params = _board_condition(user=user, filters=filters)
    counted, _latest = card_rows.stage_counts(filters.statuses, condition, params)
    return dict(zip(filters.statuses, counted, strict=True))


def _board_order(status: str) -> list:
    # "Recently active" first; the done column shows the most recently finished first.
    if status == Status.DONE:
        return ["-status_changed_at", "-pk"]
    return ["-last_activity_at", "-pk"]


def _in_board_order(cards: list[CardProposal], status: str) -> list[CardProposal]:
    """`_board_order` in Python: the rows of a limited subquery come back in no set order."""
    if status == Status.DONE:
        return sorted(cards, key=lambda card: (card.status_changed_at, card.pk), reverse=True)
    return sorted(cards, key=lambda card: (card.last_activity_at, card.pk), reverse=True)


@dataclass(slots=True)
class BoardCard:
    proposal: CardProposal
    open_roles: list[OpenRole]
    moves: list[TransitionOption]
    quiet_days: int | None

    @property
    def movable(self) -> bool:
        return any(move.allowed for move in self.moves)

    @property
    def targets(self) -> list[str]:
        return [move.target for move in self.moves if move.allowed]


@dataclass(frozen=True)
class CardTheme:
    name: str


@dataclass(slots=True)
class CardPerson:
    pk: int
    public_name: str
    username: str = ""

    @property
    def id(self) -> int:
        return self.pk


@dataclass(slots=True)
class CardProposal:
    """A board card's proposal as plain values read in one query, with no model instance (a
    hundred Proposals and their proposers cost the board more than its SQL did). It answers what
    the card, the lifecycle's guards and rules, and the API read of a Proposal."""

    pk: int
    title: str
    summary: str
    status: str
    status_changed_at: datetime
    last_activity_at: datetime
    member_count: int
    cheer_count: int
    comment_count: int
    proposer_id: int
    proposer: CardPerson
    viewer_cheered: bool
    # Made from a Slack message as its author's idea, not confirmed by them yet: their name.
    idea_from: str = ""
    # Filled by _with_card_rows.
    card_roles: list = field(default_factory=list)
    card_themes: list = field(default_factory=list)
    board_team: list = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.pk

    def get_absolute_url(self) -> str:
        return pk_url("proposals:detail")(self.pk)


@dataclass(slots=True)
class CardPlace:
    """A place on the team as a card shows it (a face), without a Membership and User to build."""

    user_id: int
    user: CardPerson


def _card_relations(proposals: QuerySet[Proposal], *, user) -> QuerySet[Proposal]:
    """The list's cards: Proposals without their long texts, the proposer's name and the viewer's
    cheer."""
    # A card never shows the body: leave the long text columns in the database.
    heavy = ("body", "body_html", "outcome_note", "archive_reason", "submission_key")
    if user.is_authenticated:
        # The viewer's own cheer, for the card's "you cheered" (no query of its own).
        proposals = proposals.annotate(
            viewer_cheered=Exists(Cheer.objects.filter(proposal=OuterRef("pk"), user_id=user.pk))
        )
    # Of the proposer, a card shows the name (and the face's colour, by id).
    return proposals.defer(*heavy, *person_columns_left_out("proposer")).select_related("proposer")


def _card_proposals(keys: QuerySet[Proposal] | tuple[str, list], *, user) -> list[CardProposal]:
    """The cards' proposals whose keys `keys` selects (a `values("pk")` queryset, or its SQL and
    parameters), as plain rows (card_rows: one query), with their roles, themes and team (three
    more, `_with_card_rows`)."""
    if isinstance(keys, QuerySet):
        try:
            keys = keys.query.sql_with_params()
        except EmptyResultSet:
            return []
    sql, params = keys
    viewer_id = user.pk if user.is_authenticated else None
    people: dict[int, CardPerson] = {}  # a proposer of several cards is one person
    cards = []
    for row in card_rows.proposal_rows(sql, params, viewer_id=viewer_id):
        proposer = people.get(row[9])
        if proposer is None:
            proposer = people[row[9]] = CardPerson(
                pk=row[9], public_name=shown_name(row[11], row[10]), username=row[10]
            )
        cards.append(
            CardProposal(
                *row[:9],
                proposer_id=row[9],
                proposer=proposer,
                viewer_cheered=row[12],
                idea_from=row[13],
            )
        )
    return _with_card_rows(cards)


def _with_card_rows(proposals: list) -> list:
    """Each card's roles (`card_roles`: each knows how many places are filled), themes
    (`card_themes`) and team (`board_team`, for the faces), as plain rows: three queries for
    the page and no model instance per role, theme, place or person (card_rows)."""
    ids = [proposal.pk for proposal in proposals]
    teams: dict[int, list[CardPlace]] = defaultdict(list)
    filled: dict[tuple[int, str], int] = defaultdict(int)  # accepted members per role
    places: dict[int, CardPlace] = {}  # the same people are on many cards: one place each
    for proposal_id, user_id, username, display_name, role in card_rows.team_rows(ids):
        place = places.get(user_id)
        if place is None:
            public_name = shown_name(display_name, username)
            person = CardPerson(pk=user_id, public_name=public_name, username=username)
            place = places[user_id] = CardPlace(user_id=user_id, user=person)
        teams[proposal_id].append(place)
        filled[proposal_id, role] += 1
    roles: dict[int, list[OpenRole]] = defaultdict(list)
    for proposal_id, name, count, pace in card_rows.role_rows(ids):
        roles[proposal_id].append(
            OpenRole(name=name, wanted=count, filled=filled[proposal_id, name], pace=pace)
        )
    themes: dict[int, list[CardTheme]] = defaultdict(list)
    named: dict[str, CardTheme] = {}
    for proposal_id, name in card_rows.theme_rows(ids):
        theme = named.get(name)
        if theme is None:
            theme = named[name] = CardTheme(name)
        themes[proposal_id].append(theme)
    for proposal in proposals:
        proposal.card_roles = roles[proposal.pk]
        proposal.card_themes = themes[proposal.pk]
        proposal.board_team = teams[proposal.pk]
    return proposals


def listed(*, user, status: str = "") -> QuerySet[Proposal]:
    """The list page's proposals, as its cards need them (no body): the view filters them with
    filter_proposals and pages them, then `list_cards` loads the page's rows."""
    proposals = Proposal.objects.all()
    if status:
        proposals = proposals.filter(status=status)
    return _card_relations(proposals, user=user)


def list_cards(proposals: Iterable[Proposal]) -> list[tuple[Proposal, list[OpenRole]]]:
    """A page of `listed` proposals, each with its open roles; themes and team come along as
    plain rows (three queries, however many cards)."""
    loaded = _with_card_rows(list(proposals))
    return [(proposal, roles_still_open(proposal)) for proposal in loaded]


def _board_card(proposal: CardProposal, *, user, now: datetime, language: str | None) -> BoardCard:
    quiet = now - proposal.last_activity_at
    return BoardCard(
        proposal=proposal,
        open_roles=roles_still_open(proposal),
        moves=transition_options(proposal=proposal, user=user, language=language),
        quiet_days=quiet.days
        if quiet >= BOARD_QUIET_AFTER and proposal.status in ACTIVE_STATUSES
        else None,
    )


def board_cards(
    *, user, filters: BoardFilters, status: str, offset: int = 0, limit: int = BOARD_PAGE_SIZE
) -> list[BoardCard]:
    """One column's cards from `offset` ("show more")."""
    if status not in filters.statuses:
        return []
    proposals = _card_proposals(
        board_queryset(user=user, filters=filters)
        .filter(status=status)
        .order_by(*_board_order(status))
        .values("pk")[offset : offset + limit],
        user=user,
    )
    now, asker, language = timezone.now(), permissions.Asker.of(user), translation.get_language()
    return [
        _board_card(proposal, user=asker, now=now, language=language)
        for proposal in _in_board_order(proposals, status)
    ]


@dataclass(frozen=True)
class BoardColumn:
    status: str
    label: str
    explanation: str
    count: int
    cards: list[BoardCard]

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)


BOARD_MAX_SHOWN = 200


def board_columns(
    *,
    user,
    filters: BoardFilters,
    shown: dict[str, int] | None = None,
    counts: dict[str, int] | None = None,
) -> list[BoardColumn]:
    """Every column with its count and first cards, in a fixed number of queries.

    `shown` keeps columns that were opened with "show more" as long as they were (capped), so a
    refresh after someone else's change does not fold them back.
    """
    if counts is None:  # the caller's board_version has them
        counts = board_counts(user=user, filters=filters)
    # Each column's first cards come from its own index-ordered, limited SELECT, joined by UNION
    # ALL (card_rows.column_keys), with the filters' condition compiled once for them all.
    condition, params = _board_condition(user=user, filters=filters)
    cards = []
    if condition is not None:  # else the filters match nothing at all
        limits = [
            (
                status,
                _board_order(status),
                min(max(BOARD_PAGE_SIZE, (shown or {}).get(status, 0)), BOARD_MAX_SHOWN),
            )
            for status in filters.statuses
        ]
        cards = _card_proposals(card_rows.column_keys(limits, condition, params), user=user)
    by_status: dict[str, list[CardProposal]] = defaultdict(list)
    for proposal in cards:
        by_status[proposal.status].append(proposal)
    now, asker, language = timezone.now(), permissions.Asker.of(user), translation.get_language()
    columns = []
    for status in filters.statuses:
        ordered = _in_board_order(by_status[status], status)
        columns.append(
            BoardColumn(
                status=status,
                label=str(Status(status).label),
                explanation=str(STAGE_EXPLANATIONS[status]),
                count=counts[status],
                cards=[
                    _board_card(proposal, user=asker, now=now, language=language)
                    for proposal in ordered
                ],
            )
        )
    return columns


def board_themes(*, user) -> list[str]:
    """Themes the filter suggests (no query): the community's list, then the member's interests."""
    themes = list(SUGGESTED_THEMES)
    return themes + [theme for theme in user.interests or [] if theme not in themes]


def member_proposals(*, member) -> QuerySet[Proposal]:
    """What a member has proposed, newest activity first (their profile page)."""
    return Proposal.objects.filter(proposer=member).only("id", "title", "status")


def member_teams(*, member) -> QuerySet[Membership]:
    """The teams a member has joined (other than as proposer), for their profile page."""
    return (
        Membership.objects.filter(user=member, status=MembershipStatus.ACCEPTED)
        .exclude(proposal__proposer=member)
        .select_related("proposal")
        .order_by("-decided_at")
    )


def idea_from(proposal: Proposal) -> str:
    """The name of the person whose Slack message this proposal was made from, while they have
    not said it is theirs yet (the Slack cards say "an idea from …"), else "" (one query)."""
    origin = (
        SlackOrigin.objects.filter(proposal_id=proposal.pk, author_answer=AuthorAnswer.PENDING)
        .select_related("author")
        .first()
    )
    return origin.author.public_name if origin is not None and origin.author else ""


def visible_comments(*, proposal: Proposal, viewer=None) -> QuerySet[Comment]:
    """The discussion as `viewer` sees it, oldest first: as on the proposal page, a hidden comment
    only to moderators and to its author (permissions.comments_visible_to)."""
    return (
        Comment.objects.filter(proposal=proposal)
        .filter(permissions.comments_visible_to(viewer))
        .select_related("author")
        .order_by("created_at", "id")
    )


def open_invitations_for(*, user) -> QuerySet:
    """The invitations a member has not answered yet and that have not ended (their profile)."""
    return (
        Invitation.objects.filter(
            invitee_id=user.pk, status=InvitationStatus.OPEN, expires_at__gt=timezone.now()
        )
        .select_related("proposal", "invited_by")
        .defer(*person_columns_left_out("invited_by"))
    )


def comment_for_slack_message(*, channel: str, ts: str) -> Comment | None:
    """The comment a reply in a proposal's Slack thread became (its channel and ts), if any."""
    if not (channel and ts):
        return None
    return (
        Comment.objects.select_related("author", "proposal")
        .filter(slack_channel=channel, slack_ts=ts)
        .first()
    )
