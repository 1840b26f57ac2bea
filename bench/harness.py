"""What benchmark modules use: the context, timings, and table printing."""

import gc
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

FLOOR = "floor"
FLOOR_PATH = "/__bench__/floor"


@dataclass(frozen=True)
class Timing:
    """Server time per request in milliseconds, measured after a warm-up."""

    samples: tuple[float, ...]
    response_bytes: int
    status_code: int
    # Floor requests interleaved with these ones: the same moments, so the same machine noise.
    floor_samples: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def times_floor(self) -> float:
        """Median time over the median of the interleaved floor requests."""
        return self.median / statistics.median(self.floor_samples)


@dataclass
class Context:
    """Shared by every benchmark module during one `python -m bench`."""

    database_url: str
    iterations: int = 40
    warmup: int = 10
    scale: int = 0
    # (benchmark name, scale) → timing; the floor is stored under FLOOR.
    results: dict[tuple[str, int], Timing] = field(default_factory=dict)
    # Per-module scratch space (fixtures built once, users, tokens ...).
    state: dict[str, Any] = field(default_factory=dict)
    # A logged-in client for the floor view (set by bench/__main__.py once members exist).
    floor_client: Any = None

    def client(self, user=None):
        from django.test import Client

        client = Client(raise_request_exception=True)
        if user is not None:
            client.force_login(user)
        return client

    def measure(
        self,
        name: str,
        path: str,
        *,
        client,
        headers: dict[str, str] | None = None,
        iterations: int | None = None,
        expect: int = 200,
        before: Callable[[], object] | None = None,
    ) -> Timing:
        """Time GET `path` through the whole Django stack; stored as results[(name, scale)].

        Each request is followed by one to the floor view, so `times_floor` compares like with like
        on a busy machine; those floor samples also join results[(FLOOR, scale)]. `before` runs
        (untimed) before each request, e.g. a change that makes the page's cached copy stale.
        """
        headers = headers or {}
        before = before or (lambda: None)
        response = None
        for _ in range(self.warmup):
            before()
            response = client.get(path, headers=headers)
            self.floor_client.get(FLOOR_PATH)
        if response is None or response.status_code != expect:
            status = response.status_code if response is not None else "nothing"
            raise BenchmarkError(f"{name}: GET {path} answered {status}, not {expect}")
        samples, floor_samples = [], []
        gc.collect()
        for _ in range(iterations or self.iterations):
            before()
            samples.append(_timed(client, path, headers))
            floor_samples.append(_timed(self.floor_client, FLOOR_PATH, {}))
        size = len(response.content) if not response.streaming else 0
        timing = Timing(tuple(samples), size, response.status_code, tuple(floor_samples))
        self.results[(name, self.scale)] = timing
        self._pool_floor(floor_samples)
        return timing

    def measure_floor(self) -> Timing:
        for _ in range(self.warmup):
            self.floor_client.get(FLOOR_PATH)
        gc.collect()
        samples = [_timed(self.floor_client, FLOOR_PATH, {}) for _ in range(self.iterations)]
        self._pool_floor(samples)
        return self.floor()

    def _pool_floor(self, samples: list[float]) -> None:
        pooled = self.results.get((FLOOR, self.scale))
        before = pooled.samples if pooled else ()
        self.results[(FLOOR, self.scale)] = Timing((*before, *samples), 2, 200)

    def floor(self, scale: int | None = None) -> Timing:
        return self.results[(FLOOR, self.scale if scale is None else scale)]


def _timed(client, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    client.get(path, headers=headers)
    return (time.perf_counter() - started) * 1000


class BenchmarkError(Exception):
    """A benchmark could not measure what it should (wrong status, missing endpoint)."""


def verdict(value: float, limit: float) -> str:
    return "PASS" if value <= limit else "MISS"


def ms(value: float) -> str:
    return f"{value:.2f}"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def print_table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    print()
    print(title)
    print(line(header))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print(line(row))


TIMING_HEADER = ["benchmark", "proposals", "median", "p95", "bytes", "ratio", "target", "result"]
GROWTH_LIMIT = 1.5


def timing_rows(
    context, measures: Iterable[tuple[str, str, float | None]], scales: Sequence[int]
) -> list[list]:
    """The floor, then each measure per scale against its floor limit (None: no target), then its
    growth from the smallest to the largest scale, by median and in floors (a busy machine moves
    the floor too)."""
    small, large = min(scales), max(scales)
    rows = []
    for scale in scales:
        floor = context.results[(FLOOR, scale)]
        rows.append(["floor (trivial view)", f"{scale:,}", ms(floor.median), ms(floor.p95),
                     floor.response_bytes, "1.00×", "", ""])  # fmt: skip
    for name, label, limit in measures:
        for scale in scales:
            timing = context.results.get((name, scale))
            if timing is None:
                rows.append([label, f"{scale:,}", "-", "-", "-", "-", "", "not measured"])
                continue
            rows.append([
                label, f"{scale:,}", ms(timing.median), ms(timing.p95), timing.response_bytes,
                ratio(timing.times_floor),
                f"≤ {limit:g}× floor" if limit else "",
                verdict(timing.times_floor, limit) if limit else "",
            ])  # fmt: skip
        before, after = context.results.get((name, small)), context.results.get((name, large))
        if before and after:
            for growth, how in (
                (after.median / before.median, "median"),
                (after.times_floor / before.times_floor, "in floors"),
            ):
                rows.append([
                    label, f"{large:,} ÷ {small:,}", "", "", "", ratio(growth),
                    f"≤ {GROWTH_LIMIT:g}× ({how})", verdict(growth, GROWTH_LIMIT),
                ])  # fmt: skip
    return rows
