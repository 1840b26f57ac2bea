"""Suggestions both ways (issue 13): people who might like to help a proposal, and teams looking
for someone like a member. One rule scores a member for a proposal; it is explained in words.

    interests ∩ the proposal's themes   3 points each
    skills naming an open role          2 points each (the role's name, or one of its words, in
                                        the member's skills, ignoring case)
    availability written down           1 point (never enough on its own)

Never suggested: the proposer, anyone already on the team or who asked to join (or left, or was
answered), anyone with an invitation to it (open or declined: "not now" is respected), members not
open to suggestions, and members who show their profile to their teams only."""

import json
import re
from dataclasses import dataclass, replace
from functools import partial

from django.db import connection
from django.utils.translation import gettext, pgettext

from proposals import card_rows, permissions
from proposals import selectors as proposal_selectors
from proposals.choices import ACTIVE_STATUSES
from proposals.models import Invitation, InvitationStatus, Membership, Proposal

from .models import ProfileVisibility, User

INTEREST_POINTS = 3
SKILL_POINTS = 2
AVAILABILITY_POINTS = 1
PEOPLE_SHOWN = 8
TEAMS_SHOWN = 5
# The member's side looks at this many of the most recently active recruiting proposals.
TEAMS_CONSIDERED = 300

_WORDS = re.compile(r"[\s,、，・/]+")


def role_terms(role_name: str) -> list[str]:
    """What is looked for in a member's skills for a role: its name and its words (2+ letters)."""
    name = " ".join(role_name.split())
    words = [word for word in _WORDS.split(name) if len(word) >= 2]
    return list(dict.fromkeys([name, *words]))


def role_matches(role_name: str, skills: str) -> bool:
    skills = (skills or "").casefold()
    return any(term.casefold() in skills for term in role_terms(role_name))


@dataclass(frozen=True)
class Match:
    interests: tuple[str, ...]
    roles: tuple[str, ...]
    availability: str

    @property
    def score(self) -> int:
        if not (self.interests or self.roles):
            return 0
        return (
            INTEREST_POINTS * len(self.interests)
            + SKILL_POINTS * len(self.roles)
            + (AVAILABILITY_POINTS if self.availability else 0)
        )

    @property
    def explanation(self) -> str:
        """「関心: 子ども・教育 · スキル: デザイン」, in the active language."""
        between = pgettext("between items of a list", ", ")
        parts = []
        if self.interests:
            parts.append(gettext("Interests: %(names)s") % {"names": between.join(self.interests)})
        if self.roles:
            parts.append(gettext("Skills: %(names)s") % {"names": between.join(self.roles)})
        if self.availability:
            parts.append(gettext("Availability: %(words)s") % {"words": self.availability})
        return " · ".join(parts)


def match(*, member: User, themes: list[str], open_roles: list[str]) -> Match:
    """The one score: what a member shares with a proposal's themes and open roles."""
    mine = set(member.interests or [])
    return Match(
        interests=tuple(theme for theme in themes if theme in mine),
        roles=tuple(role for role in open_roles if role_matches(role, member.skills)),
        availability=member.availability.strip(),
    )


@dataclass(frozen=True)
class PersonSuggestion:
    member: User
    match: Match
    role: str  # the open role their skills name, else the first open role ("" when none)


@dataclass(frozen=True)
class TeamSuggestion:
    proposal: Proposal
    match: Match


def _quoted(model, name: str | None = None) -> str:
    """A table's (or, with `name`, one of its columns') name as the database spells it."""
    quote = connection.ops.quote_name
    return quote(model._meta.db_table if name is None else model._meta.get_field(name).column)


def _like(value: str) -> str:
    """`value` anywhere in a text, as Django's `contains` lookups ask for it."""
    return f"%{connection.ops.prep_for_like_query(value)}%"


def _has_interest_sql(column: str, theme: str) -> tuple[str, list]:
    """members.selectors.has_interest for one row's own column: PostgreSQL asks the JSON list,
    SQLite its stored text (where Django writes each name as json.dumps does)."""
    if connection.vendor == "postgresql":
        return f"{column} @> %s::jsonb", [json.dumps([theme])]
    contains = connection.operators["contains"] % "%s"
    return f"CAST({column} AS text) {contains}", [_like(json.dumps(theme))]


def _names_a_role_sql(column: str, role: str) -> tuple[str, list]:
    """role_matches in SQL: the role's name or one of its words in the skills, ignoring case (the
    `icontains` of the database, as the ORM writes it)."""
    text = connection.ops.lookup_cast("icontains", "TextField") % column
    icontains = connection.operators["icontains"] % "%s"
    terms = role_terms(role)
    return "(" + " OR ".join(f"{text} {icontains}" for _term in terms) + ")", [
        _like(term) for term in terms
    ]


def _ranking_sql(
    *, proposal: Proposal, themes: list[str], open_roles: list[str], limit: int
) -> tuple[str, list]:
    """One statement, written once (compiling the same thing through the ORM cost the proposal
    page more than running it): the members open to suggestions who share something with the
    proposal and were never asked before, best first, then the longest-standing member first."""
    user, column = _quoted(User), partial(_quoted, User)
    membership, invitation = _quoted(Membership), _quoted(Invitation)
    shared, shared_params = [], []
    for theme in themes:
        condition, params = _has_interest_sql(f"{user}.{column('interests')}", theme)
        shared.append(f"CASE WHEN {condition} THEN {INTEREST_POINTS} ELSE 0 END")
        shared_params += params
    for role in open_roles:
        condition, params = _names_a_role_sql(f"{user}.{column('skills')}", role)
        shared.append(f"CASE WHEN {condition} THEN {SKILL_POINTS} ELSE 0 END")
        shared_params += params
    points = " + ".join(shared)
    availability = f"{user}.{column('availability')}"
    selected = ", ".join(
        f"{user}.{column(name)}"
        for name in ("id", "username", "display_name", "interests", "skills", "availability")
    )
    sql = (
        f"SELECT {selected}, ({points}) + CASE WHEN {availability} <> '' "
        f"THEN {AVAILABILITY_POINTS} ELSE 0 END AS score FROM {user} "
        f"WHERE {user}.{column('is_active')} AND {user}.{column('open_to_suggestions')} "
        f"AND {user}.{column('profile_visibility')} = %s AND {user}.{column('id')} <> %s "
        f"AND {user}.{column('id')} NOT IN (SELECT {_quoted(Membership, 'user')} FROM "
        f"{membership} WHERE {_quoted(Membership, 'proposal')} = %s) "
        f"AND {user}.{column('id')} NOT IN (SELECT {_quoted(Invitation, 'invitee')} FROM "
        f"{invitation} WHERE {_quoted(Invitation, 'proposal')} = %s "
        f"AND {_quoted(Invitation, 'status')} IN (%s, %s)) "
        f"AND ({points}) > 0 "
        f"ORDER BY score DESC, {user}.{column('date_joined')}, {user}.{column('id')} LIMIT %s"
    )
    params = [
        *shared_params,
        ProfileVisibility.COMMUNITY.value,
        proposal.proposer_id,
        proposal.pk,
        proposal.pk,
        InvitationStatus.OPEN.value,
        InvitationStatus.DECLINED.value,
        *shared_params,
        limit,
    ]
    return sql, params


def people_for_proposal(*, proposal: Proposal, limit: int = PEOPLE_SHOWN) -> list[PersonSuggestion]:
    """ "People who might like to help": ranked in the database (three queries for any number of
    members), best first, then the longest-standing member first among equals."""
    if not permissions.is_recruiting(proposal):
        return []
    themes = proposal_selectors.theme_names(proposal)  # as the proposal page loaded them
    open_roles = [role.name for role in proposal_selectors.roles_still_open(proposal)]
    if not (themes or open_roles):
        return []
    sql, params = _ranking_sql(proposal=proposal, themes=themes, open_roles=open_roles, limit=limit)
    suggestions = []
    for member in User.objects.raw(sql, params):
        found = match(member=member, themes=themes, open_roles=open_roles)
        role = found.roles[0] if found.roles else (open_roles[0] if open_roles else "")
        suggestions.append(PersonSuggestion(member=member, match=found, role=role))
    return suggestions


def teams_for_member(*, member: User, limit: int = TEAMS_SHOWN) -> list[TeamSuggestion]:
    """ "Teams looking for someone like you": recruiting proposals with a place left whose themes
    or open roles fit the member, best first (four queries). Empty for a member who is not open
    to suggestions."""
    if not member.open_to_suggestions:
        return []
    known = Membership.objects.filter(user_id=member.pk).values("proposal_id")
    invited = Invitation.objects.filter(
        invitee_id=member.pk, status__in=(InvitationStatus.OPEN, InvitationStatus.DECLINED)
    ).values("proposal_id")
    candidates = list(
        Proposal.objects.filter(proposal_selectors.looking_for_people())
        .filter(status__in=ACTIVE_STATUSES)
        .exclude(proposer_id=member.pk)
        .exclude(pk__in=known)
        .exclude(pk__in=invited)
        .only("id", "title", "status", "summary")
        .order_by("-last_activity_at", "-id")[:TEAMS_CONSIDERED]
    )
    if not candidates:
        return []
    # Their themes, roles and places as the board's cards read them: plain rows (an ORM `IN` of
    # three hundred keys cost more to prepare, key by key, than the three statements took).
    ids = [proposal.pk for proposal in candidates]
    themes: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, name in card_rows.theme_rows(ids):
        themes[pk].append(name)
    filled: dict[tuple[int, str], int] = {}
    for pk, _user_id, _username, _display_name, role in card_rows.team_rows(ids):
        filled[(pk, role)] = filled.get((pk, role), 0) + 1
    open_roles: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, name, count, _pace in card_rows.role_rows(ids):
        if count > filled.get((pk, name), 0):
            open_roles[pk].append(name)
    scored = []
    for proposal in candidates:
        found = match(member=member, themes=themes[proposal.pk], open_roles=open_roles[proposal.pk])
        # The member knows their own availability: their list says only what fits.
        found = Match(interests=found.interests, roles=found.roles, availability="")
        if found.score and permissions.is_recruiting(proposal):
            scored.append(TeamSuggestion(proposal=proposal, match=found))
    scored.sort(key=lambda suggestion: -suggestion.match.score)  # stable: recent first among equals
    return scored[:limit]


def suited_filters(
    filters: proposal_selectors.BoardFilters, *, member
) -> proposal_selectors.BoardFilters:
    """The board's "looking for someone like me" filter: the proposals `teams_for_member` finds
    (the one scorer), all of those it considers rather than the few a profile shows."""
    if not filters.suited:
        return filters
    found = (
        teams_for_member(member=member, limit=TEAMS_CONSIDERED) if member.is_authenticated else []
    )
    return replace(filters, within=tuple(sorted(team.proposal.pk for team in found)))
