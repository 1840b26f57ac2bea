"""Suggestions both ways (issue 13): people who might like to help a proposal, and teams looking
for someone like a member. One rule scores a member for a proposal; it is explained in words.

    interests ∩ the proposal's themes   3 points each
    skills naming an open role          2 points each (the role's name, or one of its words, in
                                        the member's skills, ignoring case)
    availability written down           1 point (never enough on its own)

Never suggested: the proposer, anyone already on the team or who asked to join (or left, or was
answered), anyone with an invitation to it (open or declined: "not now" is respected), members not
open to suggestions, and members who show their profile to their teams only."""

import re
from dataclasses import dataclass, replace

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext, pgettext

from proposals import permissions
from proposals import selectors as proposal_selectors
from proposals.choices import ACTIVE_STATUSES, MembershipStatus
from proposals.models import Invitation, InvitationStatus, Membership, Proposal, RoleWanted

from .models import ProfileVisibility, User
from .selectors import has_interest

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


def _not_asked_before(proposal_id: int) -> Q:
    """Nobody who is on the team, asked, left or was answered, nor anyone invited to it."""
    return ~Q(pk__in=Membership.objects.filter(proposal_id=proposal_id).values("user_id")) & ~Q(
        pk__in=Invitation.objects.filter(
            proposal_id=proposal_id,
            status__in=(InvitationStatus.OPEN, InvitationStatus.DECLINED),
        ).values("invitee_id")
    )


def suggestable_members() -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        open_to_suggestions=True,
        profile_visibility=ProfileVisibility.COMMUNITY,
    )


def _points(condition: Q, points: int):
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def people_for_proposal(*, proposal: Proposal, limit: int = PEOPLE_SHOWN) -> list[PersonSuggestion]:
    """ "People who might like to help": ranked in the database (three queries for any number of
    members), best first, then the longest-standing member first among equals."""
    if not permissions.is_recruiting(proposal):
        return []
    themes = [tag.name for tag in proposal.tags.all()]  # the proposal page's prefetch
    open_roles = [role.name for role in proposal_selectors.roles_still_open(proposal)]
    interest_points = [_points(has_interest(theme), INTEREST_POINTS) for theme in themes]
    skill_points = [
        _points(
            Q(*(Q(skills__icontains=term) for term in role_terms(role)), _connector=Q.OR),
            SKILL_POINTS,
        )
        for role in open_roles
    ]
    if not (interest_points or skill_points):
        return []
    ranked = (
        suggestable_members()
        .exclude(pk=proposal.proposer_id)
        .filter(_not_asked_before(proposal.pk))
        .annotate(shared=sum(interest_points + skill_points, start=Value(0)))
        .filter(shared__gt=0)
        .annotate(score=F("shared") + _points(~Q(availability=""), AVAILABILITY_POINTS))
        .only("id", "username", "display_name", "interests", "skills", "availability")
        .order_by("-score", "date_joined", "pk")[:limit]
    )
    suggestions = []
    for member in ranked:
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
    ids = [proposal.pk for proposal in candidates]
    themes: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, name in Proposal.tags.through.objects.filter(proposal_id__in=ids).values_list(
        "proposal_id", "tag__name"
    ):
        themes[pk].append(name)
    filled: dict[tuple[int, str], int] = {}
    for pk, role in Membership.objects.filter(
        proposal_id__in=ids, status=MembershipStatus.ACCEPTED
    ).values_list("proposal_id", "role"):
        filled[(pk, role)] = filled.get((pk, role), 0) + 1
    open_roles: dict[int, list[str]] = {pk: [] for pk in ids}
    for pk, name, count in RoleWanted.objects.filter(proposal_id__in=ids).values_list(
        "proposal_id", "name", "count"
    ):
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
