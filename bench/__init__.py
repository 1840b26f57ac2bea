"""`make bench` (`python -m bench`): server-side timings on a throwaway database, printed as tables.

How it runs
    1. A fresh database of this run's own: `var/bench/bench-<pid>.sqlite3`, or, when DATABASE_URL
       points at PostgreSQL, a database `<name>_bench_<pid>`; created here and dropped at the end
       (so runs by several people in one checkout never share one).
    2. `migrate`, then the scales every benchmark module asks for, smallest first: the database
       grows to each size with `seed_demo --proposals` (it only ever grows, so scales are shared).
    3. At each scale the floor (a trivial Django view, `bench/urls.py`) is measured, then every
       module that wants this scale runs. After the last scale each module prints its report.

Adding a benchmark: create `bench/<name>.py` with

    SCALES = (100, 10_000)   # proposal counts at which run() is called; () = once, after the scales
    ORDER = 50               # optional: lower runs first at the same scale
    def run(context): ...    # measure with context.measure(...); keep results in context.results
    def report(context): ... # optional: print a table (bench.harness.print_table, verdict)

Every module in this package that defines `run` is picked up (`test_*.py` are tests, never run);
see bench/pages.py for an example and bench/test_bench.py for a smoke test at a tiny scale.
Settings are `bench.settings` (the app's base settings, the bench database, an in-memory Celery
broker and no Slack); a module that needs a real broker or server sets that up itself. Timings are
printed, never asserted.
"""
