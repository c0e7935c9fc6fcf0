"""A tiny harness: each workload is timed against a baseline measured in the same run.

Absolute times depend on the machine; the ratio to a baseline doing the
irreducible part of the same work (e.g. the bare inserts) does not, so the
printed ratios are comparable between runs and machines.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    baseline_name: str
    seconds: float
    baseline_seconds: float

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline_seconds if self.baseline_seconds else float("inf")


def measure(func: Callable[[], object], *, repeat: int = 5) -> float:
    """Median wall time of ``repeat`` runs after one warm-up run."""
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(
    name: str, workload: Callable[[], object], baseline_name: str,
    baseline: Callable[[], object], *, repeat: int = 5,
) -> Result:
    return Result(
        name=name, baseline_name=baseline_name,
        seconds=measure(workload, repeat=repeat), baseline_seconds=measure(baseline, repeat=repeat),
    )


def report(results: list[Result]) -> None:
    width = max(len(r.name) for r in results)
    print(f"{'workload'.ljust(width)}  {'time':>10}  {'baseline':>10}  ratio  baseline is")
    for r in results:
        print(
            f"{r.name.ljust(width)}  {r.seconds * 1000:8.1f}ms  {r.baseline_seconds * 1000:8.1f}ms"
            f"  {r.ratio:5.2f}  {r.baseline_name}"
        )


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's own PostgreSQL database named by ``url`` if it is missing."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
