"""Celery tasks of the module (idempotent, enqueued on commit).

Beat runs ``ideas.reconcile_counts`` hourly: the support and comment copies on
the ideas against the rows, drift logged and repaired.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="ideas.reconcile_counts")
def reconcile_counts() -> list[dict[str, int]]:
    """Recount supports and comments from the rows; log and repair any drift."""
    return services.idea_counts_reconcile(fix=True)
