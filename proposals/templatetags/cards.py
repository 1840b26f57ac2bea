"""What a proposal's card shows beyond its own fields: the team's faces (initials avatars), the
viewer's relation to it and the open places as counts. Pure functions of data the page already
loaded (never a query): the board's CardView and the list's card template share them."""

from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.utils.translation import gettext, ngettext

from ..models import Membership

register = template.Library()

# As many as app.css has `.avatar-tone-N` classes.
TONES = 6
# A card shows this many faces, then "+N".
FACES = 4


@register.filter
def initials(name: str) -> str:
    """ "Hana Sato" → "HS", "hana" → "H", "がんちゃん" → "が", "田中 花子" → "田"."""
    words = str(name or "").split()
    if not words:
        return "?"
    first = words[0]
    if len(words) > 1 and first[0].isascii() and words[1][0].isascii():
        return (first[0] + words[1][0]).upper()
    return first[0].upper()


@register.filter
def avatar_tone(member) -> int:
    """The same colour for the same member on every page (by id, never by name)."""
    return int(getattr(member, "pk", member) or 0) % TONES


@dataclass(frozen=True)
class Face:
    initials: str
    name: str
    tone: int


@dataclass(slots=True)  # not frozen: one per card, and a frozen one costs several times as much
class CardFacts:
    faces: list[Face]
    more: int  # team members beyond the faces shown ("+N")
    relation: str  # the viewer's own relation, in words ("" when none)
    relation_kind: str  # "proposer", "team", "cheered" or ""
    cheered: bool


def _face(member) -> Face:
    return _face_of(member.pk, member.public_name)


@lru_cache(maxsize=4096)
def _face_of(pk: int, name: str) -> Face:
    """The same people show on many cards: each face is worked out once."""
    return Face(initials=initials(name), name=name, tone=avatar_tone(pk))


def _team(proposal) -> list[Membership] | None:
    """The accepted memberships when the page loaded them (the board's `board_team` prefetch, the
    list's `accepted_memberships`), else None."""
    team = getattr(proposal, "board_team", None)
    return team if team is not None else getattr(proposal, "accepted_memberships", None)


_USER = Membership._meta.get_field("user")


def _person_loaded(place) -> bool:
    """A Membership whose user came with it, or a selectors.CardPlace (always has its person)."""
    return _USER.is_cached(place) if isinstance(place, Membership) else True


@dataclass(frozen=True)
class Relations:
    """The viewer's relation to a card, in words."""

    proposer: str
    team: str
    cheered: str

    @classmethod
    def translated(cls) -> "Relations":
        return cls(gettext("Your proposal"), gettext("On the team"), gettext("You cheered"))


def card_facts(proposal, viewer, *, relations: Relations | None = None) -> CardFacts:
    """Faces: the proposer first, then the team as loaded, up to FACES; without loaded members,
    the proposer and "+N" from the team's count. The relation: proposer, else on the team (when
    memberships are loaded), else cheered (when the page annotated `viewer_cheered`)."""
    team = _team(proposal)
    faces = [_face(proposal.proposer)]
    if team is not None and all(_person_loaded(membership) for membership in team):
        others = [m.user for m in team if m.user_id != proposal.proposer_id]
        faces += [_face(member) for member in others[: FACES - 1]]
    more = max(0, proposal.member_count - len(faces))
    viewer_id = getattr(viewer, "pk", None)
    cheered = bool(getattr(proposal, "viewer_cheered", False))
    if viewer_id is not None and viewer_id == proposal.proposer_id:
        kind = "proposer"
    elif team is not None and any(m.user_id == viewer_id for m in team):
        kind = "team"
    elif cheered:
        kind = "cheered"
    else:
        return CardFacts(faces=faces, more=more, relation="", relation_kind="", cheered=cheered)
    relation = getattr(relations or Relations.translated(), kind)
    return CardFacts(faces=faces, more=more, relation=relation, relation_kind=kind, cheered=cheered)


@register.simple_tag(name="card_facts")
def card_facts_tag(proposal, viewer) -> CardFacts:
    return card_facts(proposal, viewer)


@dataclass(slots=True)
class RoleSlots:
    name: str
    slots: str  # "1/2": places filled of places wanted
    spoken: str  # the same in words, for screen readers
    pace: str


def role_slots(roles, *, ngettext=ngettext) -> list[RoleSlots]:
    """Open roles (selectors.OpenRole) as the card shows them: 「デザイナー 1/2」. (`ngettext`: a
    page's own lookup of counted words, e.g. web.board.CardWords.ngettext.)"""
    return [
        RoleSlots(
            name=role.name,
            slots=f"{role.filled}/{role.wanted}",
            spoken=ngettext(
                "%(filled)s of %(wanted)s place filled",
                "%(filled)s of %(wanted)s places filled",
                role.wanted,
            )
            % {"filled": role.filled, "wanted": role.wanted},
            pace=role.pace,
        )
        for role in roles
    ]


@register.simple_tag(name="role_slots")
def role_slots_tag(roles) -> list[RoleSlots]:
    return role_slots(roles)
