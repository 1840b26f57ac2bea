import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def short_lived_server_connections():
    """The live server closes its database connection after each request.

    Chromium keeps its sockets open, so a request thread would otherwise hold its (persistent)
    connection until the end of the session, and PostgreSQL could not drop the test database.
    """
    config = connections.settings["default"]
    before = config["CONN_MAX_AGE"]
    config["CONN_MAX_AGE"] = 0
    yield
    config["CONN_MAX_AGE"] = before


@pytest.fixture
def in_browser_thread(short_lived_server_connections):
    """Run `journey(browser)` in a thread of its own, with its own Playwright and Chromium.

    Playwright's sync API allows one instance per thread, and other browser tests keep theirs open
    in the main thread for the whole session. The thread has its own database connection (the
    tests are transactional, so it sees committed data) and closes it when done.
    """
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed for the browser tests (make browser-deps)"

    def journey_in_thread(journey):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                return journey(browser)
            finally:
                browser.close()
                connections.close_all()

    def run(journey):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(journey_in_thread, journey).result()

    return run


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
