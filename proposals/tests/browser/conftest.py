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


class ChromiumThread:
    """One thread of its own holding Playwright and one Chromium for the whole session.

    Playwright's sync API allows one instance per thread, and other browser tests keep theirs open
    in the main thread for the whole session. Launching Chromium costs about a second, so it is
    launched once (again if it ever crashed) and every journey runs in this same thread; each
    journey makes its own browser contexts (cookies, storage), and any it leaves open are closed
    after it, so no test sees another's.
    """

    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self.playwright = None
        self.browser = None

    def _chromium(self):
        from playwright.sync_api import sync_playwright

        if self.browser is None or not self.browser.is_connected():
            executable = shutil.which("chromium")
            assert executable, "Debian's chromium is needed for the browser tests (make test-deps)"
            if self.playwright is None:
                self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS
            )
        return self.browser

    def run(self, journey):
        def in_thread():
            browser = self._chromium()
            try:
                return journey(browser)
            finally:
                for context in browser.contexts:
                    context.close()
                connections.close_all()

        return self.pool.submit(in_thread).result()

    def stop(self) -> None:
        def in_thread():
            if self.browser is not None and self.browser.is_connected():
                self.browser.close()
            if self.playwright is not None:
                self.playwright.stop()

        self.pool.submit(in_thread).result()
        self.pool.shutdown()


_chromium_thread: ChromiumThread | None = None


@pytest.fixture
def in_browser_thread(short_lived_server_connections, request):
    """Run `journey(browser)` in the session's Chromium thread (ChromiumThread) and return its result.

    The thread has its own database connection (the tests are transactional, so it sees committed
    data) and closes it after each journey.
    """
    global _chromium_thread
    if _chromium_thread is None:
        _chromium_thread = ChromiumThread()
        request.config.add_cleanup(_chromium_thread.stop)
    return _chromium_thread.run


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
