"""`make bench` (`python -m bench`): server-side timings on a throwaway database, printed as tables.

What it measures (issue 9: no cache to hide behind)
    pages.py, board.py  the render after a change: the board, the list and a heavy proposal page
                        at 100 and 10,000 proposals (the board also at 50,000), each request right
                        after a real change through the services, three viewers in turn, next to
                        a trivial view measured alternately in the same run; the board also under
                        gunicorn, and the unchanged polls (304).
    insight.py          the organisers' insight page at 10,000 proposals and 100,000 moves,
                        after a change, next to the floor (two periods).
    writes.py           writes per second on PostgreSQL with 1 and 4 clients on different
                        proposals (skipped on SQLite).
    workers.py          notifications: commit → Slack latency, a burst at Slack's pace, fan-out.
    members.py          the members page (first page) and a proposer's "people who might like to
                        help" (the proposal page, and people_for_proposal() alone) at 100 and
                        10,000 members (grown with proposals.demo.bulk_seed_members, as many as
                        proposals), after a real profile edit or cheer, next to the floor; with
                        the queries of each at every scale (no target in the issue: "—").
    introductions.py    one introduction round for 5,000 opted-in members (seconds): in the app
                        and by email, with a round's history, and on Slack.
Timings are printed with their targets (PASS / MISS), never asserted. `--quick` (or BENCH_QUICK=1)
runs small scales with few requests, to try a change to the bench out; `--only pages board` runs
some modules.

How it runs
    1. A fresh database of this run's own: `var/bench/bench-<pid>.sqlite3`, or, when DATABASE_URL
       points at PostgreSQL, a database `<name>_bench_<pid>`; created here and dropped at the end
       (so runs by several people in one checkout never share one). Broker and cache: a local
       Redis (redis://127.0.0.1:6379/7, or BENCH_REDIS_URL) on a queue and key prefix of this
       run's own, removed at the end; without Redis the embedded broker (see bench/settings.py).
    2. `migrate`, then the scales every benchmark module asks for, smallest first: the database
       grows to each size with `seed_demo --proposals` (its bulk path; it only ever grows, so
       scales are shared, and how long each step took is printed).
    3. At each scale every module that wants it runs. After the last scale the modules without
       scales run, then each module prints its report.

Adding a benchmark: create `bench/<name>.py` with

    SCALES = (100, 10_000)   # proposal counts at which run() is called; () = once, after the scales
    QUICK_SCALES = (100,)    # optional: the scales of a --quick run (default: SCALES)
    ORDER = 50               # optional: lower runs first at the same scale
    def run(context): ...    # measure with context.measure(...); keep results in context.results
    def report(context): ... # optional: print a table (bench.harness.print_table, timing_rows)

Every module in this package that defines `run` is picked up (`test_*.py` are tests, never run);
see bench/pages.py for an example, bench/changes.py for the changes that come before each timed
request, and bench/test_bench.py for a smoke test at a tiny scale.
"""
