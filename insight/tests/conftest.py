# The browser tests' Chromium-in-a-thread, shared with the project's other browser tests.
from proposals.tests.browser.conftest import (  # noqa: F401
    in_browser_thread,
    short_lived_server_connections,
)
