"""/healthz tells the truth about the database, the cache and the broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.services import free_port, port_open, require_redis_server_binary

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True)
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def _healthz_in_production(tmp_path: Path, redis_url: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edem.settings.production",
        "SECRET_KEY": "x" * 50,
        "IDENTITY_PEPPER": "a-production-pepper-for-the-test",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'health.sqlite3'}",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
    }
    env.pop("EMAIL_BACKEND", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_stopped_redis_is_reported_unhealthy(tmp_path):
    redis_server = require_redis_server_binary()
    port = free_port()
    server = subprocess.Popen(
        [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            if port_open("127.0.0.1", port):
                break
            time.sleep(0.1)
        url = f"redis://127.0.0.1:{port}/0"
        running = _healthz_in_production(tmp_path, url)
        assert running["status"] == 200, running
        assert running["body"]["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    finally:
        server.terminate()
        server.wait(timeout=10)

    stopped = _healthz_in_production(tmp_path, url)
    assert stopped["status"] == 503
    assert stopped["body"]["status"] == "unhealthy"
    assert stopped["body"]["checks"]["database"] == "ok"
    assert stopped["body"]["checks"]["cache"].startswith("error")
    assert stopped["body"]["checks"]["broker"].startswith("error")


@pytest.mark.django_db
def test_healthz_ok_on_embedded_defaults(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
