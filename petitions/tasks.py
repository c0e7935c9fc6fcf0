"""Celery tasks of the module (idempotent, enqueued on commit).

Beat runs ``petitions.flush_counts`` every few seconds (the list's copy of the
counts), ``petitions.close_due`` every minute (periods that ended),
``petitions.reconcile_counts`` hourly (shards against rows, drift reported)
and ``petitions.overdue_alert`` daily (deadlines passed).
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="petitions.flush_counts")
def flush_counts(petition_id: int | None = None) -> int:
    """Copy the exact counts onto the petitions' rows (one or all collecting)."""
    ids = [petition_id] if petition_id is not None else None
    return services.flush_signature_counts(petition_ids=ids)


@shared_task(name="petitions.close_due")
def close_due() -> list[int]:
    return services.petitions_close_due()


@shared_task(name="petitions.reconcile_counts")
def reconcile_counts() -> list[dict[str, int]]:
    """Recount signatures from the rows; log and repair any drift."""
    return services.signature_counts_reconcile(fix=True)


@shared_task(name="petitions.overdue_alert")
def overdue_alert() -> int:
    return services.petition_overdue_alert()
