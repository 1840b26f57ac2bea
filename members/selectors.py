"""Reads about members: Slack links, the members page and who may see a profile."""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import F, Q, QuerySet, TextField, Window
from django.db.models.functions import Cast, RowNumber
from django.utils import timezone

from incubator.links import pk_url
from proposals.choices import PROPOSER_ROLE, MembershipStatus
from proposals.models import Cheer, Membership, Proposal

from .models import ProfileVisibility, User


def slack_account_holder(*, slack_user_id: str, exclude: User | None = None) -> User | None:
    """The member a Slack id is linked to (other than `exclude`), or None."""
    if not slack_user_id:
        return None
    members = User.objects.filter(slack_user_id=slack_user_id)
    if exclude is not None and exclude.pk is not None:
        members = members.exclude(pk=exclude.pk)
    return members.first()


def member_for_slack(*, slack_user_id: str) -> User | None:
    """The active member who acts as this Slack user, or None (not linked, or deactivated)."""
    if not slack_user_id:
        return None
    return User.objects.filter(slack_user_id=slack_user_id, is_active=True).first()


def notifications_paused_until(*, user: User) -> datetime | None:
    """Until when the member paused their notifications (None: not paused, or the pause is over)."""
    until = user.notifications_paused_until
    return until if until is not None and until > timezone.now() else None


# What a page shows of a person it names (an author, an actor, a team member): their name and
# the address of their profile. Pages that list many people load only these columns of them.
PERSON_SHOWN = ("id", "username", "display_name")


def person_columns_left_out(relation: str) -> list[str]:
    """`defer()` arguments that leave every other column of the User at `relation` unloaded
    (its password, e-mail, self-introduction, interests…): `.select_related("author")
    .defer(*person_columns_left_out("author"))`."""
    return [
        f"{relation}__{field.attname}"
        for field in User._meta.concrete_fields
        if field.attname not in PERSON_SHOWN
    ]


# The members page (知る・繋がる): who is here, what they care about, and what they share with the
# viewer. Every read below runs a fixed number of queries for a page, whatever its size.

DIRECTORY_PAGE_SIZE = 24
RECENT_SHOWN = 3  # titles per kind (proposed, joined, cheered, in common) on a member's card
FIRST_LINE_MAX = 140

_DIRECTORY_COLUMNS = (
    "id",
    "username",
    "display_name",
    "bio",
    "interests",
    "skills",
    "availability",
    "date_joined",
    "profile_visibility",
)


def _teammates_of(viewer: User):
    """The ids of the people on a team (accepted, proposer included) with the viewer."""
    viewer_teams = Membership.objects.filter(
        user_id=viewer.pk, status=MembershipStatus.ACCEPTED
    ).values("proposal_id")
    return Membership.objects.filter(
        proposal_id__in=viewer_teams, status=MembershipStatus.ACCEPTED
    ).values("user_id")


def visible_members(*, viewer: User) -> QuerySet[User]:
    """The active members whose profile the viewer may see: everyone who shows it to the
    community, those who show it to their teams when the viewer is on one of them, and
    the viewer themself."""
    members = User.objects.filter(is_active=True)
    if not (viewer and viewer.is_authenticated):
        return members.filter(profile_visibility=ProfileVisibility.COMMUNITY)
    return members.filter(
        Q(profile_visibility=ProfileVisibility.COMMUNITY)
        | Q(pk=viewer.pk)
        | Q(pk__in=_teammates_of(viewer))
    )


def can_see_profile(*, viewer: User, member: User) -> bool:
    """`visible_members` for one member (no query unless they show their profile to teams only)."""
    if member.profile_visibility == ProfileVisibility.COMMUNITY:
        return member.is_active
    if not (viewer and viewer.is_authenticated):
        return False
    return member.pk == viewer.pk or visible_members(viewer=viewer).filter(pk=member.pk).exists()


def _clean_text(value, limit: int) -> str:
    # Words only: no control characters (PostgreSQL refuses NUL), spaces collapsed.
    raw = "".join(char for char in str(value or "") if char.isprintable())
    return " ".join(raw.split())[:limit]


@dataclass(frozen=True)
class DirectoryFilters:
    theme: str = ""
    skill: str = ""
    availability: str = ""
    new: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params) -> "DirectoryFilters":
        return cls(
            theme=_clean_text(params.get("theme"), 40).lstrip("#"),
            skill=_clean_text(params.get("skill"), 100),
            availability=_clean_text(params.get("availability"), 100),
            new=str(params.get("new") or "").lower() in ("1", "on", "true", "yes"),
            q=_clean_text(params.get("q"), 100),
        )

    def as_params(self) -> dict[str, str]:
        params = {
            "theme": self.theme,
            "skill": self.skill,
            "availability": self.availability,
            "new": "1" if self.new else "",
            "q": self.q,
        }
        return {name: value for name, value in params.items() if value}


def has_interest(name: str) -> Q:
    """Members who listed this interest (exactly, as the profile form saves it). PostgreSQL
    asks the JSON list itself; SQLite, which has no JSON containment, the list's stored text,
    where Django writes each name as json.dumps does."""
    if connection.vendor == "postgresql":
        return Q(interests__contains=[name])
    return Q(pk__in=_interests_text().filter(text__contains=json.dumps(name)).values("pk"))


def _interests_text():
    return User.objects.annotate(text=Cast("interests", TextField()))


def start_of_month(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def directory_members(*, viewer: User, filters: DirectoryFilters) -> QuerySet[User]:
    """The members page's people (the viewer left out), newest first, filtered; page it, then
    give the page to `directory_cards`."""
    members = visible_members(viewer=viewer).exclude(pk=viewer.pk)
    if filters.theme:
        members = members.filter(has_interest(filters.theme))
    if filters.skill:
        for word in filters.skill.split():
            members = members.filter(skills__icontains=word)
    if filters.availability:
        for word in filters.availability.split():
            members = members.filter(availability__icontains=word)
    if filters.new:
        members = members.filter(date_joined__gte=start_of_month())
    if filters.q:
        for word in filters.q.split():
            members = members.filter(
                Q(display_name__icontains=word)
                | Q(username__icontains=word)
                | Q(bio__icontains=word)
            )
    return members.only(*_DIRECTORY_COLUMNS).order_by("-date_joined", "-id")


@dataclass(frozen=True)
class ProposalLink:
    id: int
    title: str

    @property
    def url(self) -> str:
        return pk_url("proposals:detail")(self.id)


@dataclass
class MemberCard:
    member: User
    first_line: str
    proposed: list[ProposalLink] = field(default_factory=list)
    joined: list[ProposalLink] = field(default_factory=list)
    cheered: list[ProposalLink] = field(default_factory=list)
    common_interests: list[str] = field(default_factory=list)
    common_proposals: list[ProposalLink] = field(default_factory=list)

    @property
    def has_common(self) -> bool:
        return bool(self.common_interests or self.common_proposals)


def first_line(text: str, limit: int = FIRST_LINE_MAX) -> str:
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def _latest_per_person(rows, person: str, order: str):
    """The RECENT_SHOWN latest rows of each person (a window over the page's people)."""
    ranked = rows.annotate(
        rank=Window(
            RowNumber(), partition_by=[F(person)], order_by=[F(order).desc(), F("pk").desc()]
        )
    )
    return ranked.filter(rank__lte=RECENT_SHOWN)


def involved_in(*, user: User) -> Q:
    """Rows (memberships, cheers…) on the proposals a person is part of: on the team (proposer
    included) or cheering. Subqueries: however much they did, nothing is loaded for it."""
    teams = Membership.objects.filter(user_id=user.pk, status=MembershipStatus.ACCEPTED)
    cheers = Cheer.objects.filter(user_id=user.pk)
    return Q(proposal_id__in=teams.order_by().values("proposal_id")) | Q(
        proposal_id__in=cheers.order_by().values("proposal_id")
    )


def directory_cards(*, viewer: User, members: Iterable[User]) -> list[MemberCard]:
    """Each member of a page with what they did lately and what they share with the viewer (the
    latest RECENT_SHOWN of each: proposed, joined, cheered, proposals in common): five queries for
    any page, and as many rows whatever the members did."""
    members = list(members)
    ids = [member.pk for member in members]
    cards = {
        member.pk: MemberCard(member=member, first_line=first_line(member.bio))
        for member in members
    }
    if not ids:
        return []
    proposed = _latest_per_person(
        Proposal.objects.filter(proposer_id__in=ids), "proposer_id", "created_at"
    ).values_list("proposer_id", "id", "title")
    for person, pk, title in proposed:
        cards[person].proposed.append(ProposalLink(pk, title))
    joined = _latest_per_person(
        Membership.objects.filter(user_id__in=ids, status=MembershipStatus.ACCEPTED).exclude(
            role=PROPOSER_ROLE
        ),
        "user_id",
        "decided_at",
    ).values_list("user_id", "proposal_id", "proposal__title")
    for person, pk, title in joined:
        cards[person].joined.append(ProposalLink(pk, title))
    cheered = _latest_per_person(
        Cheer.objects.filter(user_id__in=ids), "user_id", "created_at"
    ).values_list("user_id", "proposal_id", "proposal__title")
    for person, pk, title in cheered:
        cards[person].cheered.append(ProposalLink(pk, title))

    mine = set(viewer.interests or [])
    for card in cards.values():
        card.common_interests = [name for name in card.member.interests or [] if name in mine]
    # The newest RECENT_SHOWN proposals in common on each side (on a team, cheering): together
    # they hold the newest of both. Two members active for years share thousands; a card names
    # the latest few, and the page loads as many rows whatever they did.
    shared = involved_in(user=viewer)
    together: dict[int, dict[int, str]] = defaultdict(dict)
    in_teams = _latest_per_person(
        Membership.objects.filter(shared, user_id__in=ids, status=MembershipStatus.ACCEPTED),
        "user_id",
        "proposal_id",
    ).values_list("user_id", "proposal_id", "proposal__title")
    cheering = _latest_per_person(
        Cheer.objects.filter(shared, user_id__in=ids), "user_id", "proposal_id"
    ).values_list("user_id", "proposal_id", "proposal__title")
    for person, pk, title in [*in_teams, *cheering]:
        together[person][pk] = title
    for person, titles in together.items():
        newest = sorted(titles.items(), reverse=True)[:RECENT_SHOWN]
        cards[person].common_proposals = [ProposalLink(pk, title) for pk, title in newest]
    return [cards[pk] for pk in ids]
