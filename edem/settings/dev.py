"""Local development: the embedded defaults with DEBUG on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# The demo staff accounts open the admin without setting up an authenticator;
# production always asks staff for TOTP.
STAFF_REQUIRE_TOTP = env.bool("STAFF_REQUIRE_TOTP", default=False)
