"""Celery tasks of the module (idempotent, enqueued on commit)."""
