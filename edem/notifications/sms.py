"""SMS backends behind one small interface, chosen by ``settings.SMS_BACKEND``.

``console`` prints, ``locmem`` keeps messages in ``outbox`` for tests, ``http``
posts to a JSON gateway (TurboSMS-style: bearer token, sender, recipients, text).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

outbox: list[SmsMessage] = []


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    sender: str


class SmsError(Exception):
    """The gateway did not accept the message; the task will retry."""


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> str: ...


class ConsoleBackend:
    def send(self, message: SmsMessage) -> str:
        # Only the last digits of the number: logs must not collect phone books.
        logger.info("SMS to ...%s: %s", message.to[-4:], message.text)
        return "console"


class LocmemBackend:
    def send(self, message: SmsMessage) -> str:
        outbox.append(message)
        return f"locmem-{len(outbox)}"


class HttpGatewayBackend:
    """A JSON-over-HTTPS SMS gateway such as TurboSMS's ``message/send.json``."""

    def __init__(self, url: str, token: str, timeout: float) -> None:
        if not url or not token:
            raise SmsError("SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN must be set")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, message: SmsMessage) -> str:
        try:
            response = requests.post(
                self.url,
                json={
                    "recipients": [message.to.lstrip("+")],
                    "sms": {"sender": message.sender, "text": message.text},
                },
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise SmsError(f"gateway unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise SmsError(f"gateway answered HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise SmsError("gateway answered with something that is not JSON") from exc
        code = payload.get("response_code", 0)
        if code not in (0, 800, 801, 802, 803):
            raise SmsError(f"gateway refused: {payload.get('response_status', code)}")
        results = payload.get("response_result") or [{}]
        return str(results[0].get("message_id", ""))


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    if name == "locmem":
        return LocmemBackend()
    if name == "http":
        return HttpGatewayBackend(
            settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN, settings.SMS_GATEWAY_TIMEOUT
        )
    return ConsoleBackend()


def send_sms(to: str, text: str) -> str:
    return get_backend().send(SmsMessage(to=to, text=text[:480], sender=settings.SMS_SENDER))
