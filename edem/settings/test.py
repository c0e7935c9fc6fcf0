"""Test settings: the same code paths as production, with fast hashing and
in-memory outboxes so tests can read what was sent."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default="")
SMS_BACKEND = env.str("SMS_BACKEND", default="locmem")
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# Tests run Celery eagerly unless a test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "test-media")  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
# Staff in tests log in without an authenticator unless a test turns this on.
STAFF_REQUIRE_TOTP = False
# Test data is rolled back between tests; a kept municipality would outlive it.
MUNICIPALITY_CACHE_SECONDS = env.int("MUNICIPALITY_CACHE_SECONDS", default=0)
PETITION_SIGNING_CACHE_SECONDS = env.int("PETITION_SIGNING_CACHE_SECONDS", default=0)
