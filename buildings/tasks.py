"""Periodic work of the module (idempotent; schedule ``buildings.opening_notify``)."""

from celery import shared_task


@shared_task(name="buildings.opening_notify")
def opening_notify() -> int:
    """Owners hear once that voting of their meeting has opened."""
    from .services import meetings_opening_notify

    return meetings_opening_notify()
