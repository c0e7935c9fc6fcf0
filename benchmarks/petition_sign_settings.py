"""Settings of the signing benchmark: the platform's own, plus a bare INSERT view."""

from edem.settings.base import *  # noqa: F403

ROOT_URLCONF = "benchmarks.petition_sign_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "locmem"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
