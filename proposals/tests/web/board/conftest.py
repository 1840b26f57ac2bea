import pytest
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals.choices import Status
from proposals.models import Proposal, RoleWanted, Tag

STAGES = [Status.IDEA, Status.DISCUSSION, Status.TEAM_FORMING, Status.RUNNING, Status.DONE]


def bulk_proposals(n: int, *, proposer=None, status=None, title="Bulk proposal") -> list[Proposal]:
    """Many proposals quickly (bulk inserts), spread over the stages, with a theme and a role each."""
    proposers = [proposer] if proposer else UserFactory.create_batch(3)
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            title=f"{title} {i}",
            summary="bulk",
            proposer=proposers[i % len(proposers)],
            status=status or STAGES[i % len(STAGES)],
            last_activity_at=now - timezone.timedelta(minutes=i),
            status_changed_at=now - timezone.timedelta(minutes=i),
        )
        for i in range(n)
    )
    theme, _ = Tag.objects.get_or_create(name="環境")
    Proposal.tags.through.objects.bulk_create(
        [Proposal.tags.through(proposal=p, tag=theme) for p in proposals]
    )
    RoleWanted.objects.bulk_create(
        [RoleWanted(proposal=p, name="デザイナー", count=1, pace="週2h") for p in proposals]
    )
    return proposals


@pytest.fixture
def member():
    return UserFactory(interests=["福祉"])


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    from .browser_support import chromium_options

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_options())
        yield browser
        browser.close()


@pytest.fixture
def board_settings(settings):
    """A fast poll, so that changes made elsewhere show up within the test's patience."""
    settings.BOARD_POLL_SECONDS = 1
    return settings


@pytest.fixture
def open_board(chromium, live_server, client, board_settings):
    """Open the board as a member: log in by copying a test client's session cookie."""
    contexts = []

    def _open(user, *, query="", language="en", viewport=None):
        client.force_login(user)
        context = chromium.new_context(
            viewport=viewport or {"width": 1400, "height": 900}, locale=language
        )
        context.add_cookies(
            [
                {"name": name, "value": value, "url": live_server.url}
                for name, value in (
                    (
                        board_settings.SESSION_COOKIE_NAME,
                        client.cookies[board_settings.SESSION_COOKIE_NAME].value,
                    ),
                    (board_settings.LANGUAGE_COOKIE_NAME, language),
                )
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/{query}")
        page.wait_for_function("window.incubatorBoard && window.Sortable && window.htmx")
        return page

    yield _open
    for context in contexts:
        context.close()
