"""Beat runs overlapping on PostgreSQL: escalations stay one per level."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from edem.notifications.models import Notification
from opencity import services
from opencity.models import Report, ReportEscalation, ReportEvent
from tests.opencity.conftest import KYIV, freeze, make_report
from tests.services import require_postgres

RUNS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_overdue_runs_escalate_each_report_once_per_level(
    city, citizen, monkeypatch
):
    require_postgres()
    freeze(monkeypatch, dt.datetime(2026, 3, 2, 10, 0, tzinfo=KYIV))
    executor = city.executors[city.water_west.pk]
    reports = []
    for _ in range(5):
        report = make_report(city, citizen)
        reports.append(services.report_accept(actor=executor, report=report,
                                              executor=executor))
    late = dt.datetime(2026, 3, 3, 17, 0, tzinfo=KYIV)  # past both levels
    start = threading.Barrier(RUNS)

    def run(_n):
        try:
            start.wait()
            return services.reports_escalate_overdue(now=late)
        finally:
            connection.close()

    with ThreadPoolExecutor(RUNS) as pool:
        results = list(pool.map(run, range(RUNS)))
    assert sum(r["marked"] for r in results) == 5
    assert sum(r["level1"] for r in results) == 5
    assert sum(r["level2"] for r in results) == 5
    assert ReportEscalation.objects.count() == 10
    assert ReportEvent.objects.filter(kind=ReportEvent.Kind.OVERDUE).count() == 5
    head = city.heads[city.water_west.pk]
    assert Notification.objects.filter(recipient=head,
                                       kind="opencity.report_overdue").count() == 5
    assert Report.objects.filter(overdue_at=late).count() == 5
