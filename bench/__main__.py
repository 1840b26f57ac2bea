"""python -m bench — see bench/__init__.py for what it does and how to add a benchmark."""

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from io import StringIO
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
INFRASTRUCTURE = {"__main__", "harness", "settings", "urls"}


def bench_database_url(database_url: str, run_id: str) -> str:
    """A database of this run's own, next to the configured one (never the configured one).

    `run_id` keeps runs apart: several people may run `make bench` in one checkout at once.
    """
    config = environ.Env.db_url_config(database_url) if database_url else {}
    if config.get("ENGINE") == "django.db.backends.postgresql":
        name = f"{config['NAME'] or 'incubator'}_bench_{run_id}"
        return urlunsplit(urlsplit(database_url)._replace(path="/" + name))
    return f"sqlite:///{BASE_DIR / 'var' / 'bench' / f'bench-{run_id}.sqlite3'}"


def _postgres(url: str, sql: str) -> None:
    import psycopg

    config = environ.Env.db_url_config(url)
    with psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    ) as connection:
        connection.execute(sql)


def create_database(url: str) -> None:
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        _postgres(url, f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        _postgres(url, f'CREATE DATABASE "{config["NAME"]}"')
    else:
        path = Path(config["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        _postgres(url, f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
    else:
        path = Path(config["NAME"])
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()


def discover(only: list[str]) -> list[ModuleType]:
    import bench

    modules = []
    for info in pkgutil.iter_modules(bench.__path__):
        if info.name in INFRASTRUCTURE or info.name.startswith("test_"):
            continue
        if only and info.name not in only:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            modules.append(module)
    return sorted(modules, key=lambda module: (getattr(module, "ORDER", 50), module.__name__))


def grow_to(scale: int) -> None:
    from django.core.management import call_command

    from proposals.models import Proposal

    if not Proposal.objects.exists():
        call_command("seed_demo", stdout=StringIO())
    missing = scale - Proposal.objects.count()
    if missing > 0:
        call_command("seed_demo", proposals=missing, stdout=StringIO())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="*", default=[], help="module names, e.g. pages board")
    parser.add_argument("--iterations", type=int, default=40, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args(argv)

    url = bench_database_url(os.environ.get("DATABASE_URL", ""), run_id=str(os.getpid()))
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    create_database(url)
    config = environ.Env.db_url_config(url)
    print(f"Bench database: {config['ENGINE'].rsplit('.', 1)[-1]} {config['NAME']}", flush=True)

    import django

    django.setup()
    from django.core.management import call_command

    from .harness import Context

    started = time.monotonic()
    failed: list[str] = []

    def attempt(module: ModuleType, step: str) -> None:
        """One module's failure is printed and remembered; the others still run and report."""
        if module.__name__ in failed:
            return
        try:
            getattr(module, step)(context)
        except Exception:
            traceback.print_exc()
            print(f"!! {module.__name__}.{step} failed; the other benchmarks go on", flush=True)
            failed.append(module.__name__)

    try:
        call_command("migrate", verbosity=0)
        context = Context(database_url=url, iterations=args.iterations)
        modules = discover(args.only)
        scales = sorted({scale for module in modules for scale in getattr(module, "SCALES", ())})
        for scale in scales:
            print(f"\n== {scale:,} proposals: seeding", flush=True)
            grow_to(scale)
            context.scale = scale
            if context.floor_client is None:
                from members.models import User

                context.floor_client = context.client(User.objects.get(username="haruto"))
            context.measure_floor()
            for module in modules:
                if scale in getattr(module, "SCALES", ()):
                    print(f"   running {module.__name__}", flush=True)
                    attempt(module, "run")
        for module in modules:
            if not getattr(module, "SCALES", ()):
                print(f"\n== running {module.__name__}", flush=True)
                attempt(module, "run")
        for module in modules:
            if callable(getattr(module, "report", None)):
                attempt(module, "report")
    finally:
        if not args.keep:
            drop_database(url)
    print(f"\nTotal time: {time.monotonic() - started:.0f} s")
    if failed:
        print(f"Failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
