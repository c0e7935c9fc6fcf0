"""Production settings refuse unsafe values and set the security headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "SECRET_KEY": "k" * 50,
    "IDENTITY_PEPPER": "a-production-pepper-for-the-test",
    "ALLOWED_HOSTS": "edem.example.org",
}
PROBE = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps({
    "hsts": s.SECURE_HSTS_SECONDS, "ssl": s.SECURE_SSL_REDIRECT,
    "session_secure": s.SESSION_COOKIE_SECURE, "csrf_secure": s.CSRF_COOKIE_SECURE,
    "httponly": s.SESSION_COOKIE_HTTPONLY, "serve_media": s.SERVE_MEDIA,
    "csp": "csp.middleware.CSPMiddleware" in s.MIDDLEWARE, "debug": s.DEBUG,
}))
"""


def _start(**overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env.update({"DJANGO_SETTINGS_MODULE": "edem.settings.production", **overrides})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({**SAFE, "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"IDENTITY_PEPPER": SAFE["IDENTITY_PEPPER"]}, "SECRET_KEY"),
        ({**SAFE, "DEBUG": "1"}, "DEBUG"),
        ({k: v for k, v in SAFE.items() if k != "IDENTITY_PEPPER"}, "IDENTITY_PEPPER"),
    ],
    ids=["empty-key", "default-key", "debug-on", "default-pepper"],
)
def test_production_refuses_to_start_unsafely(overrides, complaint):
    result = _start(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and complaint in result.stderr


def test_production_sets_security_headers():
    result = _start(**SAFE)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "hsts": 31536000, "ssl": True, "session_secure": True, "csrf_secure": True,
        "httponly": True, "serve_media": False, "csp": True, "debug": False,
    }


def test_every_scheduled_task_is_a_registered_task():
    """A misspelt beat entry would silently never run."""
    from django.conf import settings

    from edem.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "buildings.opening_notify" in scheduled
    assert scheduled - set(app.tasks) == set()
