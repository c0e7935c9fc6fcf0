"""Events reach people once: after commit, over the channels they chose."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import transaction

from edem.notifications import sms
from edem.notifications.models import Delivery, Notification, Preference
from edem.notifications.services import notify
from edem.notifications.tasks import deliver, send_delivery

pytestmark = pytest.mark.django_db


def _publish(user, municipality):
    return notify(
        kind="participation.comment_replied",
        recipients=[user],
        municipality=municipality,
        title="Нова відповідь на ваш коментар",
        body="Дякуємо за пропозицію!",
        url="/zhytomyr/",
    )


def _enable_sms(user):
    Preference.objects.create(
        user=user, kind="participation.comment_replied", channel="sms", enabled=True
    )


def test_committed_event_sends_one_email_and_one_sms(
    citizen, zhytomyr, django_capture_on_commit_callbacks
):
    _enable_sms(citizen)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _publish(citizen, zhytomyr)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [citizen.email]
    assert mail.outbox[0].subject == "Нова відповідь на ваш коментар"
    assert mail.outbox[0].body.endswith("http://127.0.0.1:8000/zhytomyr/")
    assert [m.to for m in sms.outbox] == [citizen.phone]
    assert Notification.objects.filter(recipient=citizen, read_at__isnull=True).count() == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_rolled_back_event_sends_nothing(citizen, zhytomyr, django_capture_on_commit_callbacks):
    _enable_sms(citizen)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _publish(citizen, zhytomyr)
        raise RuntimeError("the service failed after publishing")

    assert mail.outbox == []
    assert sms.outbox == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_retried_task_sends_nothing_twice(citizen, zhytomyr, django_capture_on_commit_callbacks):
    _enable_sms(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(citizen, zhytomyr)
    deliveries = list(Delivery.objects.all())
    assert len(deliveries) == 2

    for delivery in deliveries:  # the broker redelivers every task
        assert deliver.apply(args=[delivery.pk]).get() == "already handled"

    assert len(mail.outbox) == 1
    assert len(sms.outbox) == 1
    assert all(d.attempts == 1 for d in Delivery.objects.all())


def test_preferences_switch_channels_off(citizen, zhytomyr, django_capture_on_commit_callbacks):
    Preference.objects.create(
        user=citizen, kind="participation.comment_replied", channel="email", enabled=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        _publish(citizen, zhytomyr)

    assert mail.outbox == [] and sms.outbox == []
    # The in-app notification is always kept.
    assert Notification.objects.filter(recipient=citizen).count() == 1


def test_recipient_without_address_gets_in_app_only(zhytomyr, django_capture_on_commit_callbacks):
    from tests.factories import CitizenFactory

    user = CitizenFactory(email="", phone="")
    _enable_sms(user)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(user, zhytomyr)
    assert not Delivery.objects.exists()
    assert Notification.objects.filter(recipient=user).count() == 1


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer: dict = {"response_code": 800, "response_result": [{"message_id": "m-1"}]}
    status = 200

    def do_POST(self):  # noqa: N802 - http.server API
        length = int(self.headers["Content-Length"])
        _Gateway.received.append(
            {"auth": self.headers["Authorization"], "json": json.loads(self.rfile.read(length))}
        )
        body = json.dumps(_Gateway.answer).encode()
        self.send_response(_Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received = []
    _Gateway.status = 200
    _Gateway.answer = {"response_code": 800, "response_result": [{"message_id": "m-1"}]}
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/message/send.json"
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    yield _Gateway
    server.shutdown()


def test_http_gateway_receives_the_message(gateway):
    message_id = sms.send_sms("+380671234567", "Вашу заявку прийнято")
    assert message_id == "m-1"
    assert gateway.received == [
        {
            "auth": "Bearer gateway-token",
            "json": {
                "recipients": ["380671234567"],
                "sms": {"sender": "E-DEM", "text": "Вашу заявку прийнято"},
            },
        }
    ]


@pytest.mark.parametrize(
    ("status", "answer"),
    [(500, {}), (200, {"response_code": 301, "response_status": "NOT_ENOUGH_CREDITS"})],
)
def test_http_gateway_refusal_is_an_error_to_retry(gateway, status, answer):
    gateway.status, gateway.answer = status, answer
    with pytest.raises(sms.SmsError):
        sms.send_sms("+380671234567", "text")


def test_failed_delivery_is_retried_and_then_sent_once(citizen, zhytomyr, gateway):
    Preference.objects.create(
        user=citizen, kind="participation.comment_replied", channel="email", enabled=False
    )
    _enable_sms(citizen)
    notify(kind="participation.comment_replied", recipients=[citizen], municipality=zhytomyr,
           title="t")
    delivery = Delivery.objects.get()
    gateway.status = 503
    with pytest.raises(sms.SmsError):
        send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    gateway.status = 200
    assert send_delivery(delivery.pk) == "sent"
    assert send_delivery(delivery.pk) == "already handled"
    assert len(gateway.received) == 2  # one refused, one accepted
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_cabinet_saves_preferences_and_hides_staff_only_events(client, citizen):
    from edem.notifications.selectors import preference_table

    client.force_login(citizen)
    response = client.post(
        "/me/notifications/preferences/", {"participation.comment_replied:sms": "on"}
    )
    assert response.status_code == 302
    prefs = {
        (p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=citizen)
    }
    assert prefs[("participation.comment_replied", "sms")] is True
    assert prefs[("participation.comment_replied", "email")] is False
    page = client.get("/me/").content.decode()
    assert 'name="participation.comment_replied:sms" checked' in page
    from edem.participation.registry import registry

    staff_kinds = {k for m in registry.all() for k in m.staff_event_kinds}
    offered = {row["kind"] for g in preference_table(user=citizen) for row in g["rows"]}
    assert not (offered & staff_kinds)
