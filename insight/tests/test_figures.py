"""Every figure of the insight page, its API and its CSV downloads, against values worked out by hand
from the story in dataset.py (a reopen and a pause included)."""

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from insight.web.tables import TABLES
from proposals import services

from .dataset import NOW, THEME, at, build

pytestmark = pytest.mark.django_db

MARCH = {"weeks": "custom", "start": "2026-03-02", "end": "2026-03-29"}

# What each table says for March 2026 (2 to 29), as its cells read: first the page's and the CSV's
# columns, then the rows. "—" on the page is an empty cell in the CSV.
EXPECTED = {
    "ideas": (
        ["Week from", "New ideas"],
        # p1 and p2 in the first week, p3 in the second, none in the third, p4 in the fourth.
        [["2026-03-02", "2"], ["2026-03-09", "1"], ["2026-03-16", "0"], ["2026-03-23", "1"]],
    ),
    "conversion": (
        ["Stage reached", "Proposals", "Share of the period's ideas (%)"],
        # Of p1–p4: p1, p2 (after its reopen) and p4 reached discussion; p1 and p4 team forming;
        # only p1 running and done by the 29th (p4 launched on 1 April).
        [
            ["Idea", "4", "100.0"],
            ["Discussion", "3", "75.0"],
            ["Team forming", "2", "50.0"],
            ["Running", "1", "25.0"],
            ["Done", "1", "25.0"],
        ],
    ),
    "stages": (
        ["Stage", "Stays that ended", "Median (days)", "75th percentile (days)"],
        # Ideas: p1 2, p2 8 (until paused), p2 2 (reopened to discussion), p4 1.5 → 1.5 2 2 8.
        # Discussion: p1 5, p4 1. Team forming: p1 7 (p4's ended in April). Running: p1 7.
        [
            ["Idea", "4", "2.0", "3.5"],
            ["Discussion", "2", "3.0", "4.0"],
            ["Team forming", "1", "7.0", "7.0"],
            ["Running", "1", "7.0", "7.0"],
        ],
    ),
    "flow": (
        [
            "Week from",
            "Idea",
            "Discussion",
            "Team forming",
            "Running",
            "Done",
            "Paused",
        ],
        # At each week's end: p0 in discussion throughout, p6 an idea, p7 paused; then
        # 9 March: p1 discussion, p2 idea · 16 March: p1 team forming, p2 paused, p3 idea ·
        # 23 March: p1 running, p2 discussion · 30 March: p1 done, p4 team forming.
        [
            ["2026-03-02", "2", "2", "0", "0", "0", "1"],
            ["2026-03-09", "2", "1", "1", "0", "0", "2"],
            ["2026-03-16", "2", "2", "0", "1", "0", "1"],
            ["2026-03-23", "2", "2", "1", "0", "1", "1"],
        ],
    ),
    "quiet": (
        ["Days since the last activity", "Proposals"],
        # On 1 May: p2 43 days and p3 50; p0 80 (erin's join on 10 February); p6 151.
        # p4 (29 days), p5 (28) are not quiet; p1 is done and p7 paused.
        [["30–59 days", "2"], ["60–89 days", "1"], ["90 days or more", "1"]],
    ),
    "response": (
        [
            "Ideas in the period",
            "Answered",
            "Not answered yet",
            "Median time to an answer (hours)",
        ],
        # p1 24 h (carol's comment), p2 6 h (bob's cheer), p4 1.5 h (carol's cheer); p3 none.
        [["4", "3", "1", "6.0"]],
    ),
    "requests": (
        ["Waiting now", "Oldest (days)"],
        [["1", "50"]],  # dave's on p3, since 12 March 10:00
    ),
    "joiners": (
        ["Year and month", "Members"],
        [["2026-03", "2"]],  # carol and dave (who stepped back later); erin joined in February
    ),
    "active": (
        ["Year and month", "Members"],
        [["2026-03", "5"]],  # alice, bob, carol, dave, erin; the moderator only looks
    ),
    # The meetups' story is told in dataset._meetups: m1 (alice, bob, carol, erin came) and m2
    # (alice, dave); m3 was cancelled and m4 is in April.
    "meetups": (
        ["Meetups", "Times people came", "People who came"],
        [["2", "6", "5"]],
    ),
    "after_meetups": (
        ["Step", "People", "Share of the people who came (%)"],
        # Carol (p4, after m1) and dave (p5, after m2) cheered; carol and erin (p1, after m1) and
        # dave (p4, after m2) joined a team. Bob's cheer came before m1.
        [
            ["Came to a meetup", "5", "100.0"],
            ["Cheered a proposal within 30 days", "2", "40.0"],
            ["Joined a team within 30 days", "3", "60.0"],
        ],
    ),
}

EXPECTED_API = {
    "period": {"start": "2026-03-02", "end": "2026-03-30", "theme": ""},
    "ideas_per_week": [
        {"week_start": "2026-03-02", "count": 2},
        {"week_start": "2026-03-09", "count": 1},
        {"week_start": "2026-03-16", "count": 0},
        {"week_start": "2026-03-23", "count": 1},
    ],
    "conversion": [
        {"stage": "idea", "count": 4, "percent": 100.0},
        {"stage": "discussion", "count": 3, "percent": 75.0},
        {"stage": "team_forming", "count": 2, "percent": 50.0},
        {"stage": "running", "count": 1, "percent": 25.0},
        {"stage": "done", "count": 1, "percent": 25.0},
    ],
    "time_in_stage": [
        {"stage": "idea", "stays": 4, "median_days": 2.0, "p75_days": 3.5},
        {"stage": "discussion", "stays": 2, "median_days": 3.0, "p75_days": 4.0},
        {"stage": "team_forming", "stays": 1, "median_days": 7.0, "p75_days": 7.0},
        {"stage": "running", "stays": 1, "median_days": 7.0, "p75_days": 7.0},
    ],
    "flow": [
        {
            "week_start": week,
            "at": end,
            "idea": idea,
            "discussion": discussion,
            "team_forming": forming,
            "running": running,
            "done": done,
            "archived": archived,
        }
        for week, end, idea, discussion, forming, running, done, archived in (
            ("2026-03-02", "2026-03-09", 2, 2, 0, 0, 0, 1),
            ("2026-03-09", "2026-03-16", 2, 1, 1, 0, 0, 2),
            ("2026-03-16", "2026-03-23", 2, 2, 0, 1, 0, 1),
            ("2026-03-23", "2026-03-30", 2, 2, 1, 0, 1, 1),
        )
    ],
    "quiet": [
        {"min_days": 30, "max_days": 59, "count": 2},
        {"min_days": 60, "max_days": 89, "count": 1},
        {"min_days": 90, "max_days": None, "count": 1},
    ],
    "first_response": {"proposals": 4, "answered": 3, "unanswered": 1, "median_hours": 6.0},
    "join_requests": {"waiting": 1, "oldest_days": 50},
    "first_time_joiners": [{"month": "2026-03-01", "count": 2}],
    "active_members": [{"month": "2026-03-01", "count": 5}],
    "active_people": 5,
    "meetups": {
        "meetups": 2,
        "attendances": 6,
        "attendees": 5,
        "cheered": 2,
        "joined": 3,
        "within_days": 30,
    },
}


class _Tables(HTMLParser):
    """The page's tables by the id of the section they are in: header cells, then rows of cells."""

    def __init__(self):
        super().__init__()
        self.found: dict[str, list[list[str]]] = {}
        self._section = self._rows = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id"):
            self._section = attrs["id"]
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.found.setdefault(self._section, []).extend(self._rows)
            self._rows = None


def _page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.found


@pytest.fixture
def community():
    return build()


@pytest.fixture
def moderator_client(client, community):
    client.force_login(community.moderator)
    return client


def test_the_page_shows_every_figure_as_worked_out_by_hand(moderator_client):
    with time_machine.travel(NOW, tick=False):
        response = moderator_client.get(reverse("insight:page"), MARCH)
    assert response.status_code == 200
    found = _page_tables(response.content.decode())
    # The people section holds two tables: first-time joiners, then active members.
    people = found["people"]
    found["joiners"], found["active"] = people[:2], people[2:]
    # The meetups section holds two as well: the meetups held, then what came after them.
    meetups = found["meetups"]
    found["meetups"], found["after_meetups"] = meetups[:2], meetups[2:]
    for slug, (columns, rows) in EXPECTED.items():
        shown_rows = [["—" if cell == "" else cell for cell in row] for row in rows]
        assert found[slug] == [columns, *shown_rows], slug


@pytest.mark.parametrize("slug", list(EXPECTED))
def test_each_csv_download_says_what_its_table_says(moderator_client, slug):
    with time_machine.travel(NOW, tick=False):
        response = moderator_client.get(reverse("insight:csv", args=[slug]), MARCH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    columns, rows = EXPECTED[slug]
    assert list(csv.reader(io.StringIO(text))) == [columns, *rows]


def test_every_table_is_tested():
    assert set(TABLES) == set(EXPECTED)


def test_the_api_gives_the_same_figures(moderator_client):
    with time_machine.travel(NOW, tick=False):
        response = moderator_client.get(
            "/api/v1/insight", {"start": "2026-03-02", "end": "2026-03-29"}
        )
    assert response.status_code == 200
    assert response.json() == EXPECTED_API


def test_a_theme_counts_only_its_own_proposals(moderator_client):
    with time_machine.travel(NOW, tick=False):
        body = moderator_client.get(
            "/api/v1/insight", {"start": "2026-03-02", "end": "2026-03-29", "theme": THEME}
        ).json()
    # p1 and p3 carry the theme.
    assert [week["count"] for week in body["ideas_per_week"]] == [1, 1, 0, 0]
    assert [(row["count"], row["percent"]) for row in body["conversion"]] == [
        (2, 100.0),
        (1, 50.0),
        (1, 50.0),
        (1, 50.0),
        (1, 50.0),
    ]
    assert [row["count"] for row in body["quiet"]] == [1, 0, 0]  # p3, 50 days
    assert body["join_requests"] == {"waiting": 1, "oldest_days": 50}
    assert body["first_response"] == {
        "proposals": 2,
        "answered": 1,
        "unanswered": 1,
        "median_hours": 24.0,
    }
    # On p1 and p3: alice and bob proposed, carol commented, carol, erin and dave asked to join.
    assert body["active_members"] == [{"month": "2026-03-01", "count": 5}]
    assert body["period"]["theme"] == THEME
    # Only m2 is a meetup of a 防災 proposal (p1): alice and dave came. Dave's cheer (p5) and his
    # joining (p4) were not on 防災 proposals.
    assert body["meetups"] == {
        "meetups": 1,
        "attendances": 2,
        "attendees": 2,
        "cheered": 0,
        "joined": 0,
        "within_days": 30,
    }


def test_a_meetup_counts_in_the_period_it_ended_in_once_it_is_over(moderator_client):
    with time_machine.travel(NOW, tick=False):
        april = moderator_client.get(
            "/api/v1/insight", {"start": "2026-04-01", "end": "2026-04-30"}
        ).json()
    # m4 on 10 April: carol hosts, dave goes; neither cheered nor joined anyone after it.
    assert april["meetups"] == {
        "meetups": 1,
        "attendances": 2,
        "attendees": 2,
        "cheered": 0,
        "joined": 0,
        "within_days": 30,
    }
    # Seen on 10 April at 15:00, m4 (14:00–16:00) has not ended: it is not counted yet.
    with time_machine.travel(at(4, 10, 15), tick=False):
        during = moderator_client.get(
            "/api/v1/insight", {"start": "2026-04-01", "end": "2026-04-30"}
        ).json()
    assert during["meetups"]["meetups"] == 0


@pytest.mark.parametrize(
    ("after_m1_ended", "counted"),
    [(timedelta(days=30), False), (timedelta(days=29, hours=23), True)],
)
def test_a_cheer_counts_within_30_days_of_the_meetup(
    community, moderator_client, after_m1_ended, counted
):
    # Bob came to m1 (which ended on 6 March at 21:00) and had cheered only before it.
    with time_machine.travel(community.meetups["m1"].ends_at + after_m1_ended, tick=False):
        services.cheer_set(proposal=community.proposals["p6"], user=community.bob, cheered=True)
    with time_machine.travel(NOW, tick=False):
        body = moderator_client.get(
            "/api/v1/insight", {"start": "2026-03-02", "end": "2026-03-29"}
        ).json()
    assert body["meetups"]["cheered"] == (3 if counted else 2)


def test_people_month_by_month_over_two_months(moderator_client):
    with time_machine.travel(NOW, tick=False):
        body = moderator_client.get(
            "/api/v1/insight", {"start": "2026-02-01", "end": "2026-03-29"}
        ).json()
    # February: erin joins p0's team (her first); alice moved p0, erin asked to join.
    assert body["first_time_joiners"] == [
        {"month": "2026-02-01", "count": 1},
        {"month": "2026-03-01", "count": 2},
    ]
    assert body["active_members"] == [
        {"month": "2026-02-01", "count": 2},
        {"month": "2026-03-01", "count": 5},
    ]
    # Alice and erin were active in both months: five different people in all, not seven.
    assert body["active_people"] == 5


def test_the_last_weeks_end_today(moderator_client):
    with time_machine.travel(NOW, tick=False):
        body = moderator_client.get("/api/v1/insight", {"weeks": "4"}).json()
    assert body["period"] == {"start": "2026-04-04", "end": "2026-05-02", "theme": ""}
    assert [week["week_start"] for week in body["ideas_per_week"]] == [
        "2026-04-04",
        "2026-04-11",
        "2026-04-18",
        "2026-04-25",
    ]
