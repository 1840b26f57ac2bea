"""Production settings, checked the way a deployment meets them: in a fresh process."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from .test_compose import settings_env_names

BASE_DIR = Path(__file__).resolve().parent.parent.parent


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
