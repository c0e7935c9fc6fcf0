"""Celery tasks of the module (idempotent, enqueued on commit).

Beat runs ``participatory_budget.milestones`` every minute: support
collection that ended is closed (projects short of the minimum support are
rejected with the figures) and voting that opened is announced. Publishing
results enqueues ``participatory_budget.announce_results`` on commit. Each
milestone is stamped on the cycle, so a task that runs twice sends nothing twice.
``participatory_budget.reconcile_counts`` (hourly) recounts supports from the rows.
"""

from __future__ import annotations

from celery import shared_task

from . import services
from .models import Cycle


@shared_task(name="participatory_budget.milestones")
def milestones() -> dict[str, int]:
    """Close ended support collection and announce opened voting, once per cycle."""
    return services.cycle_milestones_run()


@shared_task(name="participatory_budget.announce_results")
def announce_results(cycle_id: int) -> int:
    """Tell a cycle's participants and voters that its results are published."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    return 0 if cycle is None else services.cycle_announce_results(cycle=cycle)


@shared_task(name="participatory_budget.reconcile_counts")
def reconcile_counts() -> list[dict[str, int]]:
    """Recount project supports from the rows; log and repair any drift."""
    return services.support_counts_reconcile(fix=True)
