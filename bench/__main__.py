"""python -m bench — see bench/__init__.py for what it does and how to add a benchmark."""

import argparse
import importlib
import os
import pkgutil
import shutil
import sys
import time
import traceback
from io import StringIO
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
INFRASTRUCTURE = {"__main__", "changes", "harness", "settings", "urls"}
# The broker and cache of the bench when a local Redis answers (a database of the bench's own).
LOCAL_REDIS = "redis://127.0.0.1:6379/7"
# --quick: fewer requests, smaller scales (QUICK_SCALES) and a shorter notifications burst.
QUICK_WORKERS = {
    "BENCH_WORKERS_EVENTS": "20",
    "BENCH_WORKERS_PROPOSALS": "5",
    "BENCH_WORKERS_LATENCY_SAMPLES": "5",
    "BENCH_WORKERS_FOLLOWERS": "500",
}


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


def reachable_redis(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def forget_run(redis_url: str, run: str) -> None:
    """Delete what this run left in Redis: its queue, its exchange binding, its cache keys."""
    import redis

    if not redis_url:
        return
    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        # The queue (and its priority lists), the cache keys, the exchange's bindings.
        patterns = [run, f"{run}\x06\x16*", f"{run}:*", f"_kombu.binding*.{run}"]
        keys = {key for pattern in patterns for key in client.scan_iter(match=pattern)}
        if keys:
            client.delete(*keys)
    except (redis.RedisError, OSError) as error:
        print(f"Could not clean Redis {redis_url} of {run}: {error}")


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


def grow_to(scale: int) -> tuple[int, float]:
    """Seed up to `scale` proposals with `seed_demo --proposals` (its bulk path); returns how many
    were added and how long it took."""
    from django.core.management import call_command

    from proposals.models import Proposal

    if not Proposal.objects.exists():
        call_command("seed_demo", stdout=StringIO())
    missing = scale - Proposal.objects.count()
    started = time.monotonic()
    if missing > 0:
        call_command("seed_demo", proposals=missing, stdout=StringIO(), stderr=StringIO())
    return max(missing, 0), time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="*", default=[], help="module names, e.g. pages board")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
        help="small scales and few requests, to try the bench out (also BENCH_QUICK=1)",
    )
    parser.add_argument("--iterations", type=int, help="timed requests per page (40; quick 10)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args(argv)
    iterations = args.iterations or (10 if args.quick else 40)
    if args.quick:
        for name, value in QUICK_WORKERS.items():
            os.environ.setdefault(name, value)

    run = f"bench-{os.getpid()}"
    url = bench_database_url(os.environ.get("DATABASE_URL", ""), run_id=str(os.getpid()))
    wanted = os.environ.get("BENCH_REDIS_URL", LOCAL_REDIS)
    redis_url = wanted if wanted and reachable_redis(wanted) else ""
    os.environ.update(
        BENCH_DATABASE_URL=url,
        BENCH_RUN=run,
        BENCH_REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
    )
    create_database(url)
    config = environ.Env.db_url_config(url)
    print(f"Bench database: {config['ENGINE'].rsplit('.', 1)[-1]} {config['NAME']}", flush=True)
    broker = f"Redis {redis_url}" if redis_url else f"embedded (no Redis answered at {wanted})"
    quick = " (quick run)" if args.quick else ""
    print(f"Broker and cache: {broker}, queue {run}{quick}", flush=True)

    import django

    django.setup()
    from django.core.management import call_command

    from .harness import Context, print_table

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

    seeding: list[tuple[int, int, float]] = []
    try:
        call_command("migrate", verbosity=0)
        context = Context(
            database_url=url,
            iterations=iterations,
            warmup=3 if args.quick else 10,
            quick=args.quick,
        )
        modules = discover(args.only)
        scales = sorted({scale for module in modules for scale in context.scales(module)})
        if not scales:
            grow_to(0)  # the demo community, for modules that run once (e.g. --only writes)
        for scale in scales:
            print(f"\n== {scale:,} proposals: seeding", flush=True)
            added, seconds = grow_to(scale)
            seeding.append((scale, added, seconds))
            print(f"   added {added:,} proposals in {seconds:.1f} s", flush=True)
            context.scale = scale
            for module in modules:
                if scale in context.scales(module):
                    print(f"   running {module.__name__}", flush=True)
                    attempt(module, "run")
        for module in modules:
            if not context.scales(module):
                print(f"\n== running {module.__name__}", flush=True)
                attempt(module, "run")
        if seeding:
            print_table(
                "Seeding (seed_demo --proposals N, its bulk path; s)",
                ["up to", "added", "seconds", "proposals/s"],
                [
                    [
                        f"{scale:,}",
                        f"{added:,}",
                        f"{seconds:.1f}",
                        f"{added / seconds:.0f}" if added and seconds else "-",
                    ]
                    for scale, added, seconds in seeding
                ],
            )
        for module in modules:
            if callable(getattr(module, "report", None)):
                attempt(module, "report")
    finally:
        if not args.keep:
            drop_database(url)
        forget_run(redis_url, run)
        shutil.rmtree(BASE_DIR / "var" / "bench" / run, ignore_errors=True)
    print(f"\nTotal time: {time.monotonic() - started:.0f} s")
    if failed:
        print(f"Failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
