"""Settings of the development identity provider - never part of production.

A real OpenID Connect provider (django-oauth-toolkit) with test personas, run
as its own process next to the platform. Configured from the environment:

- ``DEVIDP_ISSUER``: the issuer URL (default: derived from the request host,
  e.g. http://127.0.0.1:8001);
- ``DEVIDP_VAR_DIR``: where the SQLite file and the signing key live (var/);
- ``DEVIDP_DATABASE``: the SQLite file (default var/devidp.sqlite3);
- ``DEVIDP_KEY_FILE``: the RSA signing key (default var/devidp-rsa.pem);
- ``DEVIDP_CLIENT_ID`` / ``DEVIDP_CLIENT_SECRET``: the platform's client;
- ``DEVIDP_PLATFORM_URLS``: base URLs of the platform (for redirect URIs);
- ``DEVIDP_REDIRECT_URIS``: extra redirect URIs, space separated.
"""

import os
from pathlib import Path

from devidp.keys import load_or_create_rsa_key

REPO_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DEVIDP_VAR_DIR") or REPO_DIR / "var")

SECRET_KEY = os.environ.get("DEVIDP_SECRET_KEY", "devidp-insecure-development-only")
DEBUG = os.environ.get("DEVIDP_DEBUG", "").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *os.environ.get(
    "DEVIDP_ALLOWED_HOSTS", ""
).split()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "devidp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "devidp.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEVIDP_DATABASE") or VAR_DIR / "devidp.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/Kyiv"
LANGUAGE_CODE = "uk"
USE_I18N = True

# The platform runs on the same host (another port) and cookies ignore ports:
# distinct names keep the two sessions apart.
SESSION_COOKIE_NAME = "devidp_sessionid"
CSRF_COOKIE_NAME = "devidp_csrftoken"
LOGIN_URL = "login"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": load_or_create_rsa_key(
        Path(os.environ.get("DEVIDP_KEY_FILE") or VAR_DIR / "devidp-rsa.pem")
    ),
    "OIDC_ISS_ENDPOINT": os.environ.get("DEVIDP_ISSUER", ""),
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OAUTH2_VALIDATOR_CLASS": "devidp.validators.PersonaValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Name, birth date, address",
        "email": "E-mail",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "ALLOW_LOCALHOST_LOOPBACK": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DEVIDP_LOG_LEVEL", "WARNING")},
}
