"""Helpers for tests that need real services (PostgreSQL, Redis, a Celery worker).

Locally such a test is skipped when the service is down; in CI
(``EDEM_REQUIRE_SERVICES=1``) it fails instead, so nothing is silently skipped.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from django.db import connection

REQUIRED = os.environ.get("EDEM_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL (set DATABASE_URL)")


def require_redis() -> None:
    if not port_open("127.0.0.1", 6379):
        unavailable("needs Redis on 127.0.0.1:6379")


def require_redis_server_binary() -> str:
    path = shutil.which("redis-server")
    if not path:
        unavailable("needs the redis-server program")
    return path
