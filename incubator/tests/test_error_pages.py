"""A missing page or a failure shows the product's own page, also under `make run`'s settings."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import path

BASE_DIR = settings.BASE_DIR


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "We couldn’t find that page"), ("ja", "ページが見つかりませんでした")],
)
def test_an_unknown_address_shows_our_404(client, language, heading):
    response = client.get("/no-such-page/", headers={"Accept-Language": language})

    page = response.content.decode()
    assert response.status_code == 404
    assert heading in page and 'class="site-header"' in page
    assert "Page not found" not in page


@pytest.mark.urls(__name__)
def test_a_failure_shows_our_500(client):
    client.raise_request_exception = False

    response = client.get("/boom/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "ごめんなさい" in page and "Sorry, something went wrong on our side" in page
    assert "Traceback" not in page and "RuntimeError" not in page


def test_make_run_settings_show_our_404_by_default(tmp_path):
    """`make run` (local settings, DJANGO_DEBUG unset): our 404, not Django's debug page."""
    probe = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "page = Client(HTTP_HOST='127.0.0.1').get('/no-such-page/', HTTP_ACCEPT_LANGUAGE='en')\n"
        "print(settings.DEBUG, page.status_code)\n"
        "print(page.content.decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "DJANGO_SETTINGS_MODULE": "incubator.settings.local",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "PYTHONPATH": str(BASE_DIR),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    first_line, page = result.stdout.split("\n", 1)
    assert first_line == "False 404"
    assert "We couldn’t find that page" in page
    assert "Django tried these URL patterns" not in page
