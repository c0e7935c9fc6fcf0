"""Run every workload: ``python -m benchmarks`` (``make benchmarks``).

Uses a throw-away database (SQLite by default; set ``DATABASE_URL`` to measure
on PostgreSQL) created by Django's test runner machinery.
"""

from __future__ import annotations

import importlib
import os
import sys

WORKLOADS = ["benchmarks.core"]


def main() -> int:
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
        for name in sys.argv[1:] or WORKLOADS:
            # ``python -m benchmarks pb_tally`` names a workload of this package.
            module = name if "." in name else f"benchmarks.{name}"
            results.extend(importlib.import_module(module).run())
        report(results)
    finally:
        runner.teardown_databases(old_config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
