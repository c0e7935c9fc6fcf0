"""The Celery application. Workers and the single beat start from here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edem.settings.dev")

app = Celery("edem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
