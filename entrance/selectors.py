"""What visitors read: the community's texts, the public proposals and meetups.

Everything here is what a visitor outside the community may see, and nothing more: the rows are
read with only the fields a visitor is shown (never a body, a comment, a team, a place or a link),
so a template cannot show what it was never given. A fixed number of queries, however many
proposals and meetups there are."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from incubator.links import pk_url
from meetups import permissions as meetup_permissions
from meetups.models import Meetup
from proposals import permissions as proposal_permissions
from proposals.choices import ACTIVE_STATUSES, MembershipStatus, Status
from proposals.markdown import render_markdown
from proposals.models import Membership, Proposal, RoleWanted

from . import permissions
from .choices import TEXT_LANGUAGES
from .defaults import DEFAULT_TEXTS
from .models import CommunityText

PUBLIC_PROPOSALS_SHOWN = 30
PUBLIC_MEETUPS_SHOWN = 6


# Texts ------------------------------------------------------------------------------------------


def text_language(language: str | None = None) -> str:
    """The text language for a request's language ("en-us" reads the English text)."""
    code = (language or get_language() or TEXT_LANGUAGES[0]).split("-")[0]
    return code if code in TEXT_LANGUAGES else TEXT_LANGUAGES[0]


@lru_cache(maxsize=16)
def _default_html(kind: str, language: str, settings_url: str) -> str:
    return render_markdown(DEFAULT_TEXTS[kind][language].format(settings_url=settings_url))


def default_text_html(*, kind: str, language: str) -> str:
    return _default_html(kind, language, reverse("members:settings") + "#privacy")


@dataclass(frozen=True)
class ShownText:
    html: str
    is_default: bool


def community_text(*, kind: str, language: str | None = None) -> ShownText:
    """The moderators' text in this language; else their text in the other language; else the
    default text. One query."""
    language = text_language(language)
    saved = CommunityText.objects.filter(kind=kind).first()
    if saved is not None:
        ordered = [language, *(code for code in TEXT_LANGUAGES if code != language)]
        for code in ordered:
            html = getattr(saved, f"body_{code}_html")
            if html.strip():
                return ShownText(html=html, is_default=False)
    return ShownText(html=default_text_html(kind=kind, language=language), is_default=True)


def text_for_editing(*, kind: str) -> CommunityText:
    """The saved text, or an unsaved empty one."""
    return CommunityText.objects.filter(kind=kind).first() or CommunityText(kind=kind)


# Proposals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRole:
    name: str
    open: int
    pace: str


@dataclass(frozen=True)
class PublicProposal:
    """What a visitor may know of a public proposal, and nothing else."""

    pk: int
    title: str
    summary: str
    status: str
    open_roles: tuple[PublicRole, ...]
    # None: the proposer did not choose to be named to visitors ("a member").
    proposer_name: str | None
    last_activity_at: datetime

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def is_recruiting(self) -> bool:
        return bool(self.open_roles)

    @property
    def url(self) -> str:
        return pk_url("entrance:proposal")(self.pk)


_PROPOSER_FIELDS = (
    "proposer__username",
    "proposer__display_name",
    "proposer__is_active",
    "proposer__show_name_to_visitors",
    "proposer__profile_visibility",
)


def _public_rows(proposals) -> list[PublicProposal]:
    """Proposals (already filtered to public ones) as a visitor sees them: two more queries for
    their roles and the places filled, however many there are."""
    loaded = list(
        proposals.select_related("proposer").only(
            "pk", "title", "summary", "status", "is_public", "last_activity_at", *_PROPOSER_FIELDS
        )
    )
    recruiting = [p.pk for p in loaded if proposal_permissions.is_recruiting(p)]
    roles: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    filled: dict[tuple[int, str], int] = {}
    if recruiting:
        for proposal_id, name, count, pace in RoleWanted.objects.filter(
            proposal_id__in=recruiting
        ).values_list("proposal_id", "name", "count", "pace"):
            roles[proposal_id].append((name, count, pace))
        for row in (
            Membership.objects.filter(proposal_id__in=recruiting, status=MembershipStatus.ACCEPTED)
            .values("proposal_id", "role")
            .annotate(places=Count("pk"))
        ):
            filled[row["proposal_id"], row["role"]] = row["places"]
    return [
        PublicProposal(
            pk=proposal.pk,
            title=proposal.title,
            summary=proposal.summary,
            status=proposal.status,
            open_roles=tuple(
                PublicRole(name=name, open=count - filled.get((proposal.pk, name), 0), pace=pace)
                for name, count, pace in roles[proposal.pk]
                if count > filled.get((proposal.pk, name), 0)
            ),
            proposer_name=(
                proposal.proposer.public_name
                if permissions.shows_name_to_visitors(proposal.proposer)
                else None
            ),
            last_activity_at=proposal.last_activity_at,
        )
        for proposal in loaded
    ]


def public_proposals(*, page: str | int | None = 1, per_page: int = PUBLIC_PROPOSALS_SHOWN) -> Page:
    """What is being tried now: public proposals that are alive, the most recently active first,
    a page at a time (`page` as it came in the address: anything odd is the first or last
    page). The page's `object_list` holds PublicProposals."""
    proposals = Proposal.objects.filter(
        proposal_permissions.public_to_visitors(), status__in=ACTIVE_STATUSES
    ).order_by("-last_activity_at", "-pk")
    shown = Paginator(proposals, per_page).get_page(page)
    shown.object_list = _public_rows(shown.object_list)
    return shown


def public_proposal(*, pk: int) -> PublicProposal | None:
    """One public proposal; None when it is not public or does not exist (the same to a visitor)."""
    found = _public_rows(Proposal.objects.filter(proposal_permissions.public_to_visitors(), pk=pk))
    return found[0] if found else None


# Meetups ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMeetup:
    """A public meetup as a visitor sees it: never its place, link, description or people."""

    title: str
    kind: str
    kind_label: str
    starts_at: datetime
    ends_at: datetime


def public_meetups(
    *, now: datetime | None = None, limit: int = PUBLIC_MEETUPS_SHOWN
) -> list[PublicMeetup]:
    now = now or timezone.now()
    rows = (
        Meetup.objects.filter(meetup_permissions.public_to_visitors(now=now))
        .order_by("starts_at", "pk")
        .only("title", "kind", "starts_at", "ends_at")[:limit]
    )
    return [
        PublicMeetup(
            title=meetup.title,
            kind=meetup.kind,
            kind_label=meetup.get_kind_display(),
            starts_at=meetup.starts_at,
            ends_at=meetup.ends_at,
        )
        for meetup in rows
    ]
