"""Sending deliveries. A task claims its delivery row first, so a retried or
duplicated task never sends a message twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone

from .models import Channel, Delivery
from .sms import SmsError, send_sms

logger = logging.getLogger(__name__)

CLAIMABLE = (Delivery.Status.PENDING, Delivery.Status.FAILED)


def _absolute(url: str) -> str:
    if not url or url.startswith("http"):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    link = _absolute(notification.url)
    if delivery.channel == Channel.EMAIL:
        text = notification.body + (f"\n\n{link}" if link else "")
        EmailMessage(
            subject=notification.title, body=text, to=[delivery.address]
        ).send(fail_silently=False)
    elif delivery.channel == Channel.SMS:
        text = notification.title + (f" {link}" if link else "")
        send_sms(delivery.address, text)


def send_delivery(delivery_id: int) -> str:
    """Send one delivery unless it was already sent or is being sent by another worker.

    The claim (pending/failed -> sending) is one conditional UPDATE, so of two
    workers holding the same task only one sends; a failure leaves the row
    ``failed`` for the next retry.
    """
    claimed = Delivery.objects.filter(pk=delivery_id, status__in=CLAIMABLE).update(
        status=Delivery.Status.SENDING, attempts=F("attempts") + 1,
        updated_at=timezone.now(),
    )
    if not claimed:
        return "already handled"
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        _send(delivery)
    except Exception as exc:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        logger.warning("delivery %s failed: %s", delivery_id, exc.__class__.__name__)
        raise
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"


@shared_task(
    name="edem.notifications.deliver", max_retries=5,
    autoretry_for=(SmsError, OSError), retry_backoff=30, retry_jitter=True,
)
def deliver(delivery_id: int) -> str:
    return send_delivery(delivery_id)


@shared_task(name="edem.notifications.resend_stale")
def resend_stale() -> int:
    """Enqueue deliveries left pending (e.g. the broker was down at commit)."""
    cutoff = timezone.now() - timezone.timedelta(minutes=10)
    ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        deliver.delay(pk)
    return len(ids)
