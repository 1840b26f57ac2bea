"""Every read of introductions: who takes part in a round, who met in the last year, a member's
own introductions, and the organisers' counts. Each runs a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import combinations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from members.models import Introductions, ProfileVisibility, shown_name
from proposals.choices import MembershipStatus
from proposals.models import Membership, Proposal

from .choices import Answer, Channel, question_text
from .models import Introduction, IntroductionMember, IntroductionRound
from .pairing import Candidate, pair_key

# "No pair repeats within a year."
NO_REPEAT = timedelta(days=365)
ROUNDS_SHOWN = 12


def period_start(day: date) -> date:
    """The first day of the round period holding `day`: periods of INTRODUCTIONS_EVERY_DAYS
    counted from Monday 1 January of year 1, so rounds of whole weeks start on a Monday."""
    every = settings.INTRODUCTIONS_EVERY_DAYS
    return date.fromordinal((day.toordinal() - 1) // every * every + 1)


def taking_part() -> QuerySet:
    """Who a round introduces: active members who asked for it and are not pausing, and whose
    profile the community may see (an introduction shows them to someone new)."""
    return get_user_model().objects.filter(
        is_active=True,
        introductions=Introductions.ON,
        profile_visibility=ProfileVisibility.COMMUNITY,
    )


def paused_count() -> int:
    return (
        get_user_model().objects.filter(is_active=True, introductions=Introductions.PAUSED).count()
    )


@dataclass(frozen=True)
class Person:
    """What a round needs of each member: the pairing's view, and how to reach them."""

    candidate: Candidate
    name: str
    slack_user_id: str


def round_people() -> list[Person]:
    """Everyone taking part, with their themes and their teams (as proposer or accepted member).
    Three queries."""
    people = taking_part()
    teams: dict[int, set[int]] = defaultdict(set)
    for user_id, proposal_id in Membership.objects.filter(
        user__in=people, status=MembershipStatus.ACCEPTED
    ).values_list("user_id", "proposal_id"):
        teams[user_id].add(proposal_id)
    for user_id, proposal_id in Proposal.objects.filter(proposer__in=people).values_list(
        "proposer_id", "pk"
    ):
        teams[user_id].add(proposal_id)
    rows = people.values_list("pk", "interests", "slack_user_id", "display_name", "username")
    return [
        Person(
            candidate=Candidate(
                id=pk,
                interests=tuple(name for name in interests or [] if isinstance(name, str)),
                teams=frozenset(teams.get(pk, ())),
            ),
            name=shown_name(display_name, username),
            slack_user_id=slack_user_id,
        )
        for pk, interests, slack_user_id, display_name, username in rows.order_by("pk")
    ]


def met_pairs(*, since: datetime) -> set[tuple[int, int]]:
    """Every two people introduced to each other since `since` (one query)."""
    groups: dict[int, list[int]] = defaultdict(list)
    for introduction_id, member_id in IntroductionMember.objects.filter(
        introduction__created_at__gte=since
    ).values_list("introduction_id", "member_id"):
        groups[introduction_id].append(member_id)
    return {pair_key(a, b) for ids in groups.values() for a, b in combinations(ids, 2)}


@dataclass(frozen=True)
class Someone:
    id: int
    name: str
    username: str
    email: str


@dataclass(frozen=True)
class MyIntroduction:
    introduction: Introduction
    others: tuple[Someone, ...]
    answer: str

    @property
    def on_slack(self) -> bool:
        return self.introduction.channel == Channel.SLACK

    @property
    def question(self) -> str:
        """ "A first question to ask: …", in the active language."""
        return gettext("A first question to ask: %(question)s") % {
            "question": question_text(self.introduction.question, self.introduction.theme)
        }


def _still_shares_email(active: bool, visibility: str, choice: str) -> bool:
    """Whoever opts in to introductions lets the people they meet see their email; they take
    that back by leaving the community, keeping their profile to their teams, or turning
    introductions off (a pause keeps it)."""
    return active and visibility == ProfileVisibility.COMMUNITY and choice != Introductions.OFF


def member_introductions(*, member, limit: int = 20) -> list[MyIntroduction]:
    """The member's introductions, newest first, with the others in each and the member's own
    answer (two queries)."""
    seats = list(
        IntroductionMember.objects.filter(member=member)
        .select_related("introduction")
        .order_by("-introduction__created_at", "-introduction_id")[:limit]
    )
    others: dict[int, list[Someone]] = defaultdict(list)
    rows = (
        IntroductionMember.objects.filter(introduction_id__in=[s.introduction_id for s in seats])
        .exclude(member=member)
        .order_by("member_id")
        .values_list(
            "introduction_id",
            "member_id",
            "member__display_name",
            "member__username",
            "member__email",
            "member__is_active",
            "member__profile_visibility",
            "member__introductions",
        )
    )
    for introduction_id, pk, display_name, username, email, *now in rows:
        others[introduction_id].append(
            Someone(
                id=pk,
                name=shown_name(display_name, username),
                username=username,
                email=email if _still_shares_email(*now) else "",
            )
        )
    return [
        MyIntroduction(
            introduction=seat.introduction,
            others=tuple(others[seat.introduction_id]),
            answer=seat.answer,
        )
        for seat in seats
    ]


def introduction_people(*, introduction_id: int) -> list[IntroductionMember]:
    return list(
        IntroductionMember.objects.filter(introduction_id=introduction_id)
        .select_related("member")
        .order_by("member_id")
    )


@dataclass
class RoundCounts:
    """How a round went, in numbers only."""

    round: IntroductionRound
    groups: int = 0
    on_slack: int = 0
    people: int = 0
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def trios(self) -> int:
        return self.people - 2 * self.groups

    @property
    def unanswered(self) -> int:
        return self.answers.get("", 0)

    def answered(self, answer: str) -> int:
        return self.answers.get(answer, 0)

    @property
    def talked(self) -> int:
        return self.answered(Answer.YES)

    @property
    def not_yet(self) -> int:
        return self.answered(Answer.NOT_YET)

    @property
    def skipped(self) -> int:
        return self.answered(Answer.SKIP)


def round_counts(*, limit: int = ROUNDS_SHOWN) -> list[RoundCounts]:
    """The latest rounds' counts for the organisers: how many asked, paused, were introduced
    (and how), and how many said they talked. Never who (three queries)."""
    rounds = {item.pk: RoundCounts(round=item) for item in IntroductionRound.objects.all()[:limit]}
    for row in (
        Introduction.objects.filter(round_id__in=list(rounds))
        .values("round_id")
        .annotate(groups=Count("pk"), on_slack=Count("pk", filter=Q(channel=Channel.SLACK)))
        .order_by()
    ):
        rounds[row["round_id"]].groups = row["groups"]
        rounds[row["round_id"]].on_slack = row["on_slack"]
    for row in (
        IntroductionMember.objects.filter(introduction__round_id__in=list(rounds))
        .values("introduction__round_id", "answer")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        counts = rounds[row["introduction__round_id"]]
        counts.answers[row["answer"]] = row["count"]
        counts.people += row["count"]
    return list(rounds.values())
