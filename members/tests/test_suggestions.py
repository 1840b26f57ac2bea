"""Suggestions both ways (issue 13): one score, explained in words; who is never suggested."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from members import suggestions
from members.models import ProfileVisibility, User
from members.tests.factories import UserFactory
from proposals import services as proposal_services
from proposals.models import Invitation, InvitationStatus, Proposal
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

# username: interests, skills, availability, and anything else about them
PEOPLE = {
    "a": (["子ども・教育", "福祉"], "デザイン", "週末", {}),
    "b": (["福祉"], "料理、デザイン", "", {}),
    "c": (["子ども・教育"], "", "平日の夜", {}),
    "d": ([], "web design", "", {}),
    "k": (["環境"], "Design, photos", "月に1回", {}),
    "opted_out": (["福祉", "子ども・教育"], "デザイン", "週末", {"open_to_suggestions": False}),
    "team_only": (["福祉"], "料理", "", {"profile_visibility": ProfileVisibility.TEAM}),
    "declined": (["福祉", "子ども・教育"], "デザイン", "", {}),
    "invited": (["福祉"], "デザイン", "", {}),
    "asked": (["福祉"], "料理", "", {}),
    "member": (["福祉"], "料理", "", {}),
    "only_free": ([], "", "いつでも", {}),
    "gone": (["福祉"], "デザイン", "", {"is_active": False}),
}


@pytest.fixture
def world():
    now = timezone.now()
    people = {}
    for order, (username, (interests, skills, availability, extra)) in enumerate(PEOPLE.items()):
        people[username] = UserFactory(
            username=username,
            interests=interests,
            skills=skills,
            availability=availability,
            **extra,
        )
        # Joined in the table's order: among equal scores, the longest-standing comes first.
        User.objects.filter(pk=people[username].pk).update(
            date_joined=now - timedelta(days=100 - order)
        )
    proposer = UserFactory(username="proposer", interests=["福祉"], skills="デザイン")
    kitchen = make_proposal(
        proposer=proposer,
        title="子ども食堂",
        tags=["子ども・教育", "福祉"],
        roles=("デザイン", "料理"),
        status="team_forming",
    )
    digital = make_proposal(
        proposer=proposer,
        title="NPOのウェブサイト",
        tags=["IT・デジタル"],
        roles=("web design",),
        status="discussion",
    )
    quiet = make_proposal(proposer=proposer, title="まだ考え中", tags=["環境"], roles=())
    for username, status in (
        ("declined", InvitationStatus.DECLINED),
        ("invited", InvitationStatus.OPEN),
    ):
        Invitation.objects.create(
            proposal=kitchen,
            invitee=people[username],
            role="デザイン",
            invited_by=proposer,
            status=status,
            expires_at=now + timedelta(days=14),
        )
    proposal_services.membership_request(proposal=kitchen, user=people["asked"], role="料理")
    add_member(kitchen, people["member"], role="料理")
    return {"people": people, "kitchen": kitchen, "digital": digital, "quiet": quiet}


EXPECTED_PEOPLE = {
    "kitchen": [
        (
            "a",
            9,
            "Interests: 子ども・教育, 福祉 · Skills: デザイン · Availability: 週末",
            "デザイン",
        ),
        ("b", 7, "Interests: 福祉 · Skills: デザイン, 料理", "デザイン"),
        ("c", 4, "Interests: 子ども・教育 · Availability: 平日の夜", "デザイン"),
    ],
    "digital": [
        ("d", 2, "Skills: web design", "web design"),
        ("k", 3, "Skills: web design · Availability: 月に1回", "web design"),
    ],
    "quiet": [("k", 4, "Interests: 環境 · Availability: 月に1回", "")],
}


@pytest.mark.parametrize("proposal_name", list(EXPECTED_PEOPLE))
def test_people_who_might_like_to_help_in_order_with_words(world, proposal_name):
    with translation.override("en"):
        found = suggestions.people_for_proposal(proposal=world[proposal_name])
        got = [(s.member.username, s.match.score, s.match.explanation, s.role) for s in found]
    expected = sorted(EXPECTED_PEOPLE[proposal_name], key=lambda row: -row[1])
    assert got == expected


def test_the_explanation_reads_in_japanese(world):
    with translation.override("ja"):
        first = suggestions.people_for_proposal(proposal=world["kitchen"])[0]
        assert first.match.interests == ("子ども・教育", "福祉")
        assert "子ども・教育、福祉" in first.match.explanation


NEVER = ("opted_out", "team_only", "declined", "invited", "asked", "member", "only_free", "gone")


def test_opted_out_declined_asked_and_team_members_never_appear(world):
    for name in ("kitchen", "digital", "quiet"):
        shown = {s.member.username for s in suggestions.people_for_proposal(proposal=world[name])}
        assert not shown & set(NEVER), name
        assert "proposer" not in shown


EXPECTED_TEAMS = {
    "a": [("子ども食堂", "Interests: 子ども・教育, 福祉 · Skills: デザイン")],
    "b": [("子ども食堂", "Interests: 福祉 · Skills: デザイン, 料理")],
    "d": [("NPOのウェブサイト", "Skills: web design")],
    # The quiet idea wants no role: nobody is looking for someone there.
    "k": [("NPOのウェブサイト", "Skills: web design")],
    "opted_out": [],
    "declined": [],
    "invited": [],
    "asked": [],
    "member": [],
    "only_free": [],
}


@pytest.mark.parametrize("username", list(EXPECTED_TEAMS))
def test_teams_looking_for_someone_like_you(world, username):
    member = world["people"][username]
    with translation.override("en"):
        got = [
            (s.proposal.title, s.match.explanation)
            for s in suggestions.teams_for_member(member=member)
        ]
    assert got == EXPECTED_TEAMS[username]


def test_a_proposal_that_is_not_recruiting_suggests_nobody(world):
    Proposal.objects.filter(pk=world["kitchen"].pk).update(status="done")
    done = Proposal.objects.get(pk=world["kitchen"].pk)
    assert suggestions.people_for_proposal(proposal=done) == []
    assert suggestions.teams_for_member(member=world["people"]["a"]) == []


@pytest.mark.parametrize(
    ("role", "skills", "matches"),
    [
        ("デザイン", "デザイン、写真", True),
        ("デザイン", "ウェブデザイン", True),
        ("web design", "Design", True),
        ("web design", "photos", False),
        ("料理", "", False),
        ("a b", "about", False),  # one-letter words are not looked for
    ],
)
def test_a_role_matches_skills_that_name_it(role, skills, matches):
    assert suggestions.role_matches(role, skills) is matches


def test_people_suggestions_cost_the_same_queries_for_5_or_50_members():
    proposal = make_proposal(tags=["福祉"], roles=("デザイン",), status="team_forming")
    counts, total = [], 0
    for size in (5, 45):
        UserFactory.create_batch(size, interests=["福祉"], skills="デザイン", availability="週末")
        total += size
        proposal.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            found = suggestions.people_for_proposal(proposal=proposal)
        assert len(found) == min(suggestions.PEOPLE_SHOWN, total)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_team_suggestions_cost_the_same_queries_for_5_or_50_proposals():
    member = UserFactory(interests=["福祉"], skills="デザイン")
    counts = []
    for size in (5, 45):
        for _ in range(size):
            make_proposal(tags=["福祉"], roles=("デザイン",), status="team_forming")
        with CaptureQueriesContext(connection) as queries:
            found = suggestions.teams_for_member(member=member)
        assert len(found) == suggestions.TEAMS_SHOWN
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_role_or_theme_with_like_wildcards_matches_only_its_own_letters():
    """`%` and `_` in a role's or theme's name are letters, not patterns, as role_matches reads
    them: the ranking in the database agrees with the explanation."""
    proposal = make_proposal(tags=["100%_応援"], roles=("c_d",), status="team_forming")
    UserFactory(username="literal", skills="C_D", interests=["100%_応援"])
    UserFactory(username="pattern", skills="cxd", interests=["100x応援", "100%y応援"])
    found = suggestions.people_for_proposal(proposal=proposal)
    assert [(s.member.username, s.match.score) for s in found] == [("literal", 5)]
