"""docker-compose.yml and the Dockerfile can't run here, so their claims are checked against the code:
commands name modules and manage.py commands that exist, environment names are ones the settings
read, every service has a healthcheck and the app waits for healthy dependencies."""

import importlib
import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands
from django.urls import resolve

from slack_app.management.commands import slack_socket

BASE_DIR = Path(__file__).resolve().parent.parent.parent
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = [name for name, service in SERVICES.items() if "build" in service]
# The image's working directory, where the project's files live inside the container.
APP_DIR = "/app"
# What the production settings read that the stack has no use for, and why.
NOT_FOR_THE_STACK = {
    "DJANGO_DEBUG": "production settings keep debug off whatever it says",
    "PORT": "the host's port (ports:); inside, gunicorn listens on 8000 and SITE_URL is given",
    "EMBEDDED_BROKER_DIR": "the embedded broker only runs without Redis; the stack has Redis",
}
# Interpolated from .env for the containers but not read by the settings themselves.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD"}
SETTINGS = BASE_DIR / "incubator" / "settings"


# env("NAME", ...), env.bool("NAME", ...), os.environ.get("NAME"), os.getenv("NAME"), os.environ["NAME"]
ENV_READ = re.compile(
    r"\b(?:env(?:\.\w+)?\(|os\.environ\.get\(|os\.getenv\(|os\.environ\[)\s*[\"']([A-Z][A-Z0-9_]*)[\"']"
)


def settings_env_names(*files: str) -> set[str]:
    """Every environment name the settings read (or the settings files named)."""
    paths = [SETTINGS / name for name in files] or sorted(SETTINGS.glob("*.py"))
    return set(ENV_READ.findall("\n".join(path.read_text() for path in paths)))


def words(command) -> list[str]:
    return command if isinstance(command, list) else shlex.split(command)


def test_the_stack_has_a_database_a_broker_the_web_app_a_worker_and_beat():
    assert {"postgres", "redis", "web", "worker", "beat", "slack"} <= set(SERVICES)
    assert set(APP_SERVICES) == {"web", "worker", "beat", "slack"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(name):
    healthcheck = SERVICES[name].get("healthcheck", {})

    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable")


def test_the_app_waits_for_healthy_dependencies():
    assert SERVICES["web"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in ("worker", "beat", "slack"):
        # web migrates on start; the worker, beat and the Socket Mode runner need the tables.
        assert SERVICES[name]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_the_stack_passes_on_every_setting_production_reads():
    """A new setting reaches the containers, or says here why it need not."""
    production = settings_env_names("base.py", "production.py")
    environment = set(COMPOSE["x-app-environment"])

    assert set(NOT_FOR_THE_STACK) <= production, "no longer read: drop it from NOT_FOR_THE_STACK"
    assert production - set(NOT_FOR_THE_STACK) - environment == set()
    assert {"SLACK_TEAM_ID", "SLACK_APP_ID", "EMAIL_URL"} <= environment


@pytest.mark.parametrize("name", ["web", "worker", "beat", "slack"])
def test_app_environment_names_are_the_ones_the_settings_read(name):
    environment = SERVICES[name]["environment"]
    known = settings_env_names() | {"DJANGO_SETTINGS_MODULE"}

    assert environment == COMPOSE["x-app-environment"]
    assert set(environment) <= known, set(environment) - known
    assert set(environment).isdisjoint(NOT_FOR_THE_STACK)
    assert environment["DJANGO_SETTINGS_MODULE"] == "incubator.settings.production"
    assert importlib.util.find_spec(environment["DJANGO_SETTINGS_MODULE"])
    interpolated = set(re.findall(r"\$\{([A-Z0-9_]+)", yaml.safe_dump(environment)))
    assert interpolated <= known | COMPOSE_ONLY_VARIABLES


def test_the_image_and_the_containers_get_the_same_release():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    assert COMPOSE["x-app"]["build"]["args"]["RELEASE"] == "${RELEASE:-}"
    assert "RELEASE" in COMPOSE["x-app-environment"]
    assert re.search(r"^ARG RELEASE\b", dockerfile, re.MULTILINE)
    assert re.search(r"^ENV RELEASE=\$\{RELEASE\}", dockerfile, re.MULTILINE)


def test_the_secret_key_must_come_from_outside():
    for name in APP_SERVICES:
        assert SERVICES[name]["environment"]["DJANGO_SECRET_KEY"].startswith(
            "${DJANGO_SECRET_KEY:?"
        )


def test_web_migrates_then_serves_the_wsgi_application_with_gunicorn():
    command = words(SERVICES["web"]["command"])
    assert command[:2] == ["sh", "-c"]
    steps = [shlex.split(step) for step in command[2].split("&&")]

    manage = [step for step in steps if step[:2] == ["python", "manage.py"]]
    assert [step[2] for step in manage] == ["migrate"]
    assert all(step[2] in get_commands() for step in manage)
    gunicorn = next(step for step in steps if "gunicorn" in step)
    target = gunicorn[gunicorn.index("gunicorn") + 1]
    module, _sep, attribute = target.partition(":")
    application = getattr(importlib.import_module(module), attribute or "application")
    assert callable(application)
    assert "0.0.0.0:8000" in gunicorn
    assert any(port.endswith(":8000") for port in SERVICES["web"]["ports"])


def test_worker_and_beat_run_the_projects_celery_app():
    for name, subcommand in (("worker", "worker"), ("beat", "beat")):
        command = words(SERVICES[name]["command"])
        assert command[0] == "celery"
        package = command[command.index("-A") + 1]
        assert isinstance(importlib.import_module(package).celery_app, Celery)
        assert subcommand in command
        assert subcommand in celery_cli.commands


def test_the_slack_service_runs_socket_mode_with_what_it_needs():
    """Only when asked for (its profile), the runner of `manage.py slack_socket`, given the app
    token, Slack's address, the database and the broker (it publishes the events' work), and
    checked by the heartbeat file the command keeps in the shared var/ volume."""
    slack = SERVICES["slack"]
    assert slack["profiles"] == ["socket-mode"]
    command = words(slack["command"])
    assert command[:2] == ["python", "manage.py"] and command[2] == "slack_socket"
    assert command[2] in get_commands()
    environment = slack["environment"]
    for name in ("SLACK_APP_TOKEN", "SLACK_API_URL", "SLACK_TEAM_ID", "SLACK_APP_ID",
                 "SLACK_BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "SITE_URL"):  # fmt: skip
        assert name in environment, name
    assert environment["SLACK_APP_TOKEN"] == "${SLACK_APP_TOKEN:-}"  # no default: it is a secret
    assert "SLACK_APP_TOKEN" in settings_env_names("base.py")

    check = " ".join(words(slack["healthcheck"]["test"]))
    heartbeat = slack_socket.HEARTBEAT.relative_to(BASE_DIR)
    assert f"{APP_DIR}/{heartbeat}" in check
    assert any(volume.endswith(f":{APP_DIR}/var") for volume in slack["volumes"])


def test_healthchecks_probe_real_things():
    from incubator.settings import base

    web_check = " ".join(words(SERVICES["web"]["healthcheck"]["test"]))
    assert resolve("/healthz").url_name == "healthz"
    assert "http://127.0.0.1:8000/healthz" in web_check

    worker_check = " ".join(words(SERVICES["worker"]["healthcheck"]["test"]))
    assert "celery -A incubator inspect ping" in worker_check
    assert "inspect" in celery_cli.commands
    assert "worker@" in worker_check and "worker@%h" in SERVICES["worker"]["command"]

    beat_check = " ".join(words(SERVICES["beat"]["healthcheck"]["test"]))
    schedule = Path(base.CELERY_BEAT_SCHEDULE_FILENAME).relative_to(base.BASE_DIR)
    assert f"{APP_DIR}/{schedule}*" in beat_check
    assert any(volume.endswith(f":{APP_DIR}/var") for volume in SERVICES["beat"]["volumes"])


def requirements(name: str) -> dict[str, str]:
    """The pins of requirements/<name>, following its `-r` includes: {normalised name: line}."""
    pins = {}
    for line in (BASE_DIR / "requirements" / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= requirements(line.removeprefix("-r ").strip())
        elif line:
            package = re.split(r"[\[=<>~!; ]", line, maxsplit=1)[0]
            pins[re.sub(r"[-_.]+", "-", package).lower()] = line
    return pins


def test_the_image_installs_production_requirements_and_front_end_and_collects_static():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    ignored = (BASE_DIR / ".dockerignore").read_text().split()

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert f"WORKDIR {APP_DIR}" in dockerfile
    assert "pip install -r requirements/production.txt" in dockerfile
    assert "npm ci" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert {".venv", "node_modules", ".env", ".git"} <= set(ignored)


@pytest.mark.parametrize("name", ["base.txt", "production.txt", "dev.txt"])
def test_every_requirement_is_an_exact_pin(name):
    loose = [line for line in requirements(name).values() if not re.search(r"==[\w.]+$", line)]

    assert loose == []


def test_the_image_carries_no_test_or_lint_tools_and_development_has_all_it_runs():
    production = requirements("production.txt")
    development = requirements("dev.txt")
    tools = {"pytest", "pytest-django", "playwright", "ruff", "factory-boy", "hypothesis"}
    tools |= {"schemathesis", "import-linter", "pytest-xdist"}

    assert {"django", "gunicorn", "celery", "whitenoise", "django-csp"} <= set(production)
    assert tools & set(production) == set()
    assert tools <= set(development)
    # What is tested is what ships: the same pins, plus the tools.
    assert {name: development[name] for name in production} == production
