"""Run every workload: ``python -m benchmarks`` (``make benchmarks``), or some: ``python -m
benchmarks pb_tally opencity_map``.

In-process workloads share a throw-away database (SQLite by default; set
``DATABASE_URL`` to measure on PostgreSQL) created by Django's test runner
machinery. Workloads with their own PostgreSQL database and servers
(``STANDALONE``) run as their own processes, one after the other.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

WORKLOADS = ["core", "pb_tally"]
STANDALONE = ["opencity_map", "petition_sign"]


def _standalone(name: str) -> int:
    env = dict(os.environ)
    if name == "petition_sign":
        env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/edem_bench_pet")
    print(f"\n== {name}", flush=True)
    return subprocess.call([sys.executable, "-m", f"benchmarks.{name}"], env=env)


def main() -> int:
    names = [n.removeprefix("benchmarks.") for n in sys.argv[1:]] or WORKLOADS + STANDALONE
    status = _in_process([n for n in names if n not in STANDALONE])
    for name in names:
        if name in STANDALONE:
            status = _standalone(name) or status
    return status


def _in_process(names: list[str]) -> int:
    if not names:
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edem.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner, setup_test_environment

    from benchmarks.harness import report

    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        results = []
        for name in names:
            results.extend(importlib.import_module(f"benchmarks.{name}").run())
        report(results)
    finally:
        runner.teardown_databases(old_config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
