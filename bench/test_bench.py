"""The bench's own machinery, at a tiny scale: no timing is asserted, only that everything is measured."""

from io import StringIO

import pytest
from django.core.management import call_command

from bench import pages
from bench.__main__ import bench_database_url, discover
from bench.harness import FLOOR, Context
from members.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (
            "postgres://postgres:secret@db.example:5433/incubator?sslmode=require",
            "postgres://postgres:secret@db.example:5433/incubator_bench_42?sslmode=require",
        ),
        (
            "postgres://postgres@127.0.0.1:5432/incubator",
            "postgres://postgres@127.0.0.1:5432/incubator_bench_42",
        ),
    ],
)
def test_the_bench_never_uses_the_configured_postgres_database(configured, expected):
    assert bench_database_url(configured, run_id="42") == expected


@pytest.mark.parametrize("configured", ["", "sqlite:////tmp/elsewhere.sqlite3"])
def test_the_bench_uses_its_own_sqlite_file(configured):
    assert bench_database_url(configured, run_id="42").endswith("/var/bench/bench-42.sqlite3")


def test_every_module_with_run_is_discovered():
    modules = discover(only=[])

    assert pages in modules
    assert all(callable(module.run) for module in modules)


def test_the_pages_benchmark_measures_and_reports_every_page(settings, capsys):
    settings.ROOT_URLCONF = "bench.urls"
    call_command("seed_demo", stdout=StringIO())
    context = Context(database_url="", iterations=2, warmup=1)
    context.floor_client = context.client(User.objects.get(username="haruto"))

    for scale in pages.SCALES:
        context.scale = scale
        context.measure_floor()
        pages.run(context)
    pages.report(context)

    for name, _label, _floor_target in pages.PAGES:
        for scale in pages.SCALES:
            assert context.results[(name, scale)].status_code == 200
            assert context.results[(name, scale)].response_bytes > 0
    assert all(context.results[(FLOOR, scale)].samples for scale in pages.SCALES)
    table = capsys.readouterr().out
    assert "not measured" not in table
    # A growth verdict (by median and in floors) per page, a floor verdict per targeted page and scale.
    targeted = sum(floor_target for _name, _label, floor_target in pages.PAGES)
    expected = 2 * len(pages.PAGES) + targeted * len(pages.SCALES)
    assert table.count("PASS") + table.count("MISS") == expected
