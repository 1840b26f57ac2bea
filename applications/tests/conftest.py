import time

import pytest
from django.core import mail as django_mail
from django.core import signing

from applications import mail
from applications.web.forms import STARTED_SALT
from members.tests.factories import UserFactory
from proposals.choices import SUGGESTED_THEMES
from proposals.models import Tag

# The browser tests' Chromium-in-a-thread, and the record of what was published, as the
# workers' own tests use them.
from proposals.tests.browser.conftest import (  # noqa: F401
    in_browser_thread,
    screenshot,
    short_lived_server_connections,
)
from workers import publish
from workers.tests.conftest import published  # noqa: F401


@pytest.fixture(autouse=True)
def _suggested_themes(request):
    """The community's suggested themes (a migration writes them; a transactional test's flush
    takes them away)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    for name in SUGGESTED_THEMES:
        Tag.objects.update_or_create(name=name, defaults={"suggested": True})


@pytest.fixture
def moderator(db):
    return UserFactory(moderator=True, username="sakura", display_name="森 さくら")


def stamp(seconds_ago: float = 60) -> str:
    """The form's signed start time, as if it was shown `seconds_ago`."""
    return signing.dumps({"t": time.time() - seconds_ago}, salt=STARTED_SALT)


def form_data(**changes) -> dict:
    data = {
        "name": "山田 花子",
        "call_name": "はなちゃん",
        "email": "hana@example.org",
        "interests": ["福祉", "防災"],
        "hopes": "子ども食堂を手伝ってみたい",
        "found_us": "Twitter",
        "agree": "on",
        "website": "",
        "started": stamp(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def send_mails(published):  # noqa: F811
    """Run every published applicant's email task, as the worker would; returns the mails sent."""

    def run() -> list:
        before = len(django_mail.outbox)
        for call in list(published):
            if call.name == publish.SEND_APPLICATION_MAIL:
                mail.process(*call.args)
        published.clear()
        return django_mail.outbox[before:]

    return run


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block left for after commit (the mails' publishing),
    as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
