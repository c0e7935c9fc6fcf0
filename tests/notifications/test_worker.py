"""A real Celery worker, fed through Redis, sends a committed event exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection, transaction

from edem.celery import app as celery_app
from edem.notifications.models import Delivery, Preference
from edem.notifications.services import notify
from edem.notifications.tasks import deliver
from tests.services import require_postgres, require_redis

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _reset_broker_connections() -> None:
    """Drop every pooled connection so the next task uses the broker now configured.

    Celery acquires a producer even for eager tasks, and kombu keeps producer
    pools in a global registry: all of it is closed and forgotten.
    """
    kombu.pools.reset()
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
        celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _use_broker(broker: str, queue: str) -> tuple:
    """Send this process's tasks to ``broker`` (not eagerly); returns what to restore."""
    previous = (
        celery_app.conf.task_always_eager, celery_app.conf.broker_url,
        celery_app.conf.task_routes,
    )
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker
    celery_app.conf.task_routes = {"edem.notifications.*": {"queue": queue}}
    _reset_broker_connections()
    return previous


def _restore_broker(previous: tuple) -> None:
    (celery_app.conf.task_always_eager, celery_app.conf.broker_url,
     celery_app.conf.task_routes) = previous
    _reset_broker_connections()


@pytest.fixture
def celery_worker(tmp_path, request):
    require_postgres()
    require_redis()
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "gw0")
    broker = f"redis://127.0.0.1:6379/{10 + int(worker_id.removeprefix('gw') or 0) % 5}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edem.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SMS_BACKEND": "console",
    }
    queue = f"test-{worker_id}-{os.getpid()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "edem", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-gossip", "--without-mingle",
         "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    previous = _use_broker(broker, queue)
    yield {"mail_dir": mail_dir, "process": worker}
    _restore_broker(previous)
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_worker_sends_committed_event_once(celery_worker, citizen, zhytomyr):
    assert connection.vendor == "postgresql"
    Preference.objects.create(
        user=citizen, kind="participation.comment_replied", channel="sms", enabled=True
    )
    with transaction.atomic():
        notify(kind="participation.comment_replied", recipients=[citizen],
               municipality=zhytomyr, title="Відповідь на ваш коментар", url="/zhytomyr/")

    sent = _wait_for(lambda: Delivery.objects.filter(status="sent").count() == 2)
    if not sent:
        celery_worker["process"].terminate()
        output = celery_worker["process"].communicate(timeout=10)[0]
        pytest.fail(f"the worker sent nothing; its log:\n{output}")

    # The broker delivers the same tasks again (a retry after a lost ack).
    for delivery in Delivery.objects.all():
        deliver.delay(delivery.pk)
    time.sleep(2)

    mails = list(celery_worker["mail_dir"].iterdir())
    assert len(mails) == 1
    assert "Відповідь на ваш коментар" in mails[0].read_text() or "=?utf-8?" in mails[0].read_text()
    assert all(d.attempts == 1 for d in Delivery.objects.all())


def test_rolled_back_event_reaches_no_worker(celery_worker, citizen, zhytomyr):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(kind="participation.comment_replied", recipients=[citizen],
               municipality=zhytomyr, title="Не має дійти")
        raise RuntimeError("rolled back")
    time.sleep(2)
    assert not Delivery.objects.exists()
    assert list(celery_worker["mail_dir"].iterdir()) == []



@pytest.mark.django_db
def test_eager_tasks_work_again_after_a_worker_test(
    citizen, zhytomyr, django_capture_on_commit_callbacks
):
    """Celery takes a producer even for eager tasks: switching brokers for a worker
    test and back must leave no closed connection pool behind."""
    from django.core import mail

    def publish():
        with django_capture_on_commit_callbacks(execute=True):
            notify(kind="participation.comment_replied", recipients=[citizen],
                   municipality=zhytomyr, title="Сповіщення")

    publish()
    _restore_broker(_use_broker("redis://127.0.0.1:6399/0", "test-switch"))
    publish()
    assert celery_app.conf.task_always_eager
    assert len(mail.outbox) == 2
