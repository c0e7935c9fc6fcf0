"""Celery tasks of the module (idempotent, enqueued on commit).

Beat runs ``opencity.escalate_overdue`` every minute (deadlines missed,
escalations once per level) and ``opencity.auto_close`` hourly (resolved
reports the author did not answer). ``opencity.send_caller_sms`` sends one
SMS to a caller without an account.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from edem.notifications.sms import SmsError, send_sms

from . import services
from .models import CallerMessage

logger = logging.getLogger(__name__)

CLAIMABLE = (CallerMessage.Status.PENDING, CallerMessage.Status.FAILED)


def deliver_caller_message(message_id: int) -> str:
    """Send one caller SMS unless it was sent or is being sent by another worker.

    The claim (pending/failed -> sending) is one conditional UPDATE, so a
    retried or duplicated task never sends the message twice.
    """
    claimed = CallerMessage.objects.filter(pk=message_id, status__in=CLAIMABLE).update(
        status=CallerMessage.Status.SENDING, attempts=F("attempts") + 1,
        updated_at=timezone.now(),
    )
    if not claimed:
        return "already handled"
    message = CallerMessage.objects.get(pk=message_id)
    try:
        send_sms(message.phone, message.text)
    except Exception as exc:
        CallerMessage.objects.filter(pk=message_id).update(
            status=CallerMessage.Status.FAILED,
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
        )
        logger.warning("caller SMS %s failed: %s", message_id, exc.__class__.__name__)
        raise
    CallerMessage.objects.filter(pk=message_id).update(
        status=CallerMessage.Status.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"


@shared_task(
    name="opencity.send_caller_sms", max_retries=5,
    autoretry_for=(SmsError, OSError), retry_backoff=30, retry_jitter=True,
)
def send_caller_sms(message_id: int) -> str:
    return deliver_caller_message(message_id)


@shared_task(name="opencity.escalate_overdue")
def escalate_overdue() -> dict[str, int]:
    return services.reports_escalate_overdue()


@shared_task(name="opencity.auto_close")
def auto_close() -> int:
    return services.reports_auto_close()
