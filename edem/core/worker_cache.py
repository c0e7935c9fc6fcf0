"""Values a worker process keeps for a few seconds between requests.

Hot paths (the municipality of every URL, a petition's signing terms and its
rate limits) read rows that change rarely; each process keeps them for a
short time instead of asking the database on every request. A kept value is
stored pickled, so every reader gets its own copy and nothing one request
does to it reaches another.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class WorkerCache:
    """Per-process values that expire after the time given when each was kept."""

    def __init__(self) -> None:
        self._items: dict[Hashable, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """A fresh copy of the value kept under ``key``, or None if none or expired."""
        hit = self._items.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return None
        return pickle.loads(hit[1])  # noqa: S301 - our own pickle, never user data

    def put(self, key: Hashable, value: Any, seconds: float) -> None:
        """Keep ``value`` under ``key`` for ``seconds`` (nothing is kept for 0 or less)."""
        if seconds <= 0:
            return
        entry = (time.monotonic() + seconds, pickle.dumps(value))
        with self._lock:
            self._items[key] = entry

    def forget(self, match: Callable[[Hashable], bool] | None = None) -> None:
        """Drop every kept value, or those whose key ``match`` accepts."""
        with self._lock:
            if match is None:
                self._items.clear()
                return
            for key in [key for key in self._items if match(key)]:
                del self._items[key]
