"""Production settings, checked the way a deployment meets them: in a fresh process."""

import os
import re
import runpy
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.urls import reverse

from incubator.settings.base import checkout_commit, package_version

from .test_compose import settings_env_names

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def settings_from_environment(monkeypatch, **environment: str) -> dict:
    """The settings base.py gives a fresh process with only this environment (of the names the
    settings read), as a dict."""
    for name in settings_env_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "incubator" / "settings" / "base.py"))


def run_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python with production settings and only the environment given (plus PATH and HOME)."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "incubator.settings.production",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    wsgi = run_production("-c", "import incubator.wsgi")
    manage = run_production("manage.py", "check")

    for result in (wsgi, manage):
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_passes_the_deploy_checklist_with_a_secret_key():
    result = run_production(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_readme_documents_every_environment_variable_the_settings_read():
    names = settings_env_names()
    readme = (BASE_DIR / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, re.MULTILINE))

    assert names - documented == set(), "add these to the README's configuration table"
    assert documented - names == set(), "the README lists names the settings no longer read"


@pytest.mark.django_db
def test_every_code_of_a_comma_separated_invite_list_opens_sign_up(monkeypatch, settings):
    read = settings_from_environment(monkeypatch, INVITE_CODES="hello-2026, spring-walk ,")
    settings.INVITE_ONLY = True
    settings.INVITE_CODES = read["INVITE_CODES"]

    for code in ("hello-2026", "spring-walk"):
        page = Client().get(reverse("account_signup") + f"?invite={code}").content.decode()
        assert 'name="username"' in page, code
    refused = Client().get(reverse("account_signup") + "?invite=").content.decode()
    assert 'name="username"' not in refused


def test_mail_links_point_at_the_port_being_served(monkeypatch):
    assert settings_from_environment(monkeypatch)["SITE_URL"] == "http://127.0.0.1:8000"
    assert settings_from_environment(monkeypatch, PORT="8123")["SITE_URL"] == (
        "http://127.0.0.1:8123"
    )
    explicit = settings_from_environment(
        monkeypatch, PORT="8123", SITE_URL="https://incubator.example"
    )
    assert explicit["SITE_URL"] == "https://incubator.example"


@pytest.mark.parametrize("redis", [False, True], ids=["file cache", "Redis"])
def test_what_one_release_cached_the_next_never_reads(monkeypatch, redis):
    broker = {"REDIS_URL": "redis://127.0.0.1:6379/0"} if redis else {}
    before = settings_from_environment(monkeypatch, RELEASE="2026.11.3", **broker)["CACHES"]
    after = settings_from_environment(monkeypatch, RELEASE="2026.12.1", **broker)["CACHES"]
    assert set(before) == set(after) == {"default"}

    old = LocMemCache("shared", {"KEY_PREFIX": before["default"]["KEY_PREFIX"]})
    new = LocMemCache("shared", {"KEY_PREFIX": after["default"]["KEY_PREFIX"]})
    old.set("card-7", "<li>the old template</li>")

    assert new.get("card-7") is None
    assert old.get("card-7") == "<li>the old template</li>"


def test_the_tests_caches_are_keyed_on_the_release_too():
    assert {cache["KEY_PREFIX"] for cache in django_settings.CACHES.values()} == {
        f"incubator:{django_settings.RELEASE}"
    }


def test_the_release_defaults_to_the_checked_out_commit_else_the_package_version(tmp_path):
    commit, other = "4f1c2a9e" * 5, "0b7d3e11" * 5
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)

    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text(f"{commit}\n")
    assert checkout_commit(tmp_path) == commit

    (git / "refs" / "heads" / "main").unlink()
    (git / "packed-refs").write_text(
        f"# pack-refs\n{other} refs/heads/old\n{commit} refs/heads/main\n"
    )
    assert checkout_commit(tmp_path) == commit

    (git / "HEAD").write_text(f"{other}\n")  # a detached checkout
    assert checkout_commit(tmp_path) == other

    assert checkout_commit(tmp_path / "no-checkout") == ""
    version = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
    assert package_version(BASE_DIR) == version


def test_local_settings_serve_pages_and_static_files_with_debug_off(tmp_path):
    """`DJANGO_DEBUG=false make run` works without collectstatic."""
    probe = (
        "import re, django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='127.0.0.1')\n"
        "page = client.get('/no-such-page/')\n"
        'assets = re.findall(r\'(?:href|src)="(/static/[^"]+)"\', page.content.decode())\n'
        "print(page.status_code, *(client.get(asset).status_code for asset in assets))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "DJANGO_SETTINGS_MODULE": "incubator.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "PYTHONPATH": str(BASE_DIR),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    status, *assets = result.stdout.split()
    assert status == "404"
    assert len(assets) >= 2 and set(assets) == {"200"}
