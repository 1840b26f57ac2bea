import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM is used beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read messages in English unless a test asks for Japanese."""
    settings.LANGUAGE_CODE = "en"
