"""Settings shared by every environment, read from the environment.

With no variable set the platform runs on its embedded defaults: an SQLite file,
Celery in eager mode, a local-memory cache, console e-mail and SMS and the
bundled development identity provider. Setting ``DATABASE_URL``, ``REDIS_URL``,
``CELERY_BROKER_URL`` and friends moves each part to its production engine.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEFAULT_SECRET_KEY = "edem-insecure-development-key-change-me"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public base URL, used in e-mails, feeds and OIDC redirect URIs.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # platform core
    "edem.core",
    "edem.accounts",
    "edem.municipalities",
    "edem.participation",
    "edem.notifications",
    "edem.api",
    # feature modules
    "petitions",
    "participatory_budget",
    "ideas",
    "consultations",
    "opencity",
    "buildings",
    "cms",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # login
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    # API, filters, permissions, maps, tasks
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "django_celery_beat",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "edem.accounts.middleware.StaffTwoFactorMiddleware",
    "edem.accounts.middleware.RememberLanguageMiddleware",
    "edem.municipalities.middleware.MunicipalityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "edem.urls"
WSGI_APPLICATION = "edem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "edem.core.context_processors.platform",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'edem.sqlite3'}"
    )
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, the seeding command and eager
    # tasks share the file without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # Covering indexes (INCLUDE columns) serve PostgreSQL; SQLite ignores the
    # extra columns, which is harmless for the embedded defaults.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side parameters let psycopg prepare a statement a connection runs
    # again and again (the session's account, a signature), so PostgreSQL
    # plans it once per connection instead of on every request. Off behind a
    # transaction-mode pooler that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env.bool(
        "DB_SERVER_SIDE_BINDING", default=True
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, sessions ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- tasks --------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Kyiv"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ROUTES = {
    "edem.notifications.*": {"queue": "notifications"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Periodic work, run by exactly one beat (synced into django-celery-beat's tables).
CELERY_BEAT_SCHEDULE = {
    "notifications-resend-stale": {
        "task": "edem.notifications.resend_stale",
        "schedule": 600.0,
    },
    "ideas-reconcile-counts": {"task": "ideas.reconcile_counts", "schedule": 3600.0},
    "petitions-flush-counts": {"task": "petitions.flush_counts", "schedule": 5.0},
    "petitions-close-due": {"task": "petitions.close_due", "schedule": 60.0},
    "petitions-reconcile-counts": {
        "task": "petitions.reconcile_counts", "schedule": 3600.0,
    },
    "petitions-overdue-alert": {"task": "petitions.overdue_alert", "schedule": 86400.0},
    "opencity-escalate-overdue": {"task": "opencity.escalate_overdue", "schedule": 60.0},
    "opencity-auto-close": {"task": "opencity.auto_close", "schedule": 3600.0},
    "budget-milestones": {"task": "participatory_budget.milestones", "schedule": 60.0},
    "buildings-opening-notify": {"task": "buildings.opening_notify", "schedule": 300.0},
    "budget-reconcile-counts": {
        "task": "participatory_budget.reconcile_counts", "schedule": 3600.0,
    },
}

# --- auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# How long each process keeps a municipality looked up by its URL slug.
MUNICIPALITY_CACHE_SECONDS = env.int("MUNICIPALITY_CACHE_SECONDS", default=30)
# How long a worker keeps a signable petition's frozen terms (the status is
# re-checked by the signing statement itself).
PETITION_SIGNING_CACHE_SECONDS = env.int("PETITION_SIGNING_CACHE_SECONDS", default=30)
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "edem.accounts.backends.PasswordBackend",
    "edem.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cabinet"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# Messages and pages name a person by their verified name, never the account's
# technical username.
ACCOUNT_USER_DISPLAY = "edem.accounts.models.user_display"
# Citizens sign up only through a qualified identity provider.
ACCOUNT_ADAPTER = "edem.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "edem.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "E-DEM"

# Identity keys: HMAC-SHA256 over the tax number with this pepper. Changing it
# splits every person from their past signatures, so it is set once per site.
IDENTITY_PEPPER = env.str("IDENTITY_PEPPER", default="edem-development-pepper")

# OpenID Connect providers, configured from the environment only (see
# edem.accounts.oidc_settings). The default is the bundled development provider.
DEVIDP_URL = env.str("DEVIDP_URL", default="http://127.0.0.1:8001")
from edem.accounts.oidc_settings import socialaccount_providers  # noqa: E402

SOCIALACCOUNT_PROVIDERS = socialaccount_providers(env, DEVIDP_URL)
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("OIDC_REQUESTS_TIMEOUT", default=10)
# Only our verified OpenID Connect views are mounted under /accounts/oidc/.
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
MFA_TOTP_PERIOD = 30
MFA_TOTP_DIGITS = 6
# Staff reach /cms/ and /django-admin/ only with TOTP set up
# (edem.accounts.middleware.StaffTwoFactorMiddleware).
STAFF_REQUIRE_TOTP = env.bool("STAFF_REQUIRE_TOTP", default=True)

# --- i18n ---------------------------------------------------------------------
LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
USE_TZ = True

# --- static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
NODE_MODULES_DIR = BASE_DIR / "node_modules"
# Front-end packages come from the npm registry (package.json); only their
# distribution folders are served.
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (prefix, NODE_MODULES_DIR / folder)
    for prefix, folder in (
        ("vendor/leaflet", "leaflet/dist"),
        ("vendor/leaflet.markercluster", "leaflet.markercluster/dist"),
    )
    if (NODE_MODULES_DIR / folder).is_dir()
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
# Limits every uploaded image is held to before it is re-encoded.
UPLOAD_IMAGE_MAX_BYTES = env.int("UPLOAD_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=40_000_000)

# --- e-mail and SMS -----------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="E-DEM <noreply@e-dem.local>")
# SMS gateway: "console", "locmem" (tests) or "http" (a real gateway, below).
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="E-DEM")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)

# --- Wagtail ------------------------------------------------------------------
WAGTAIL_SITE_NAME = "E-DEM"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "ods", "csv", "txt", "jpg", "png"]
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "EXCEPTION_HANDLER": "edem.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "E-DEM API",
    "DESCRIPTION": "Open data and participation API of the E-DEM platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["edem.api.schema.only_public_api"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every module has a "status"; each gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "DecisionBodyEnum": "edem.api.enums.DecisionBody",
        "PetitionStatusEnum": "edem.api.enums.PetitionStatus",
        "ProjectStatusEnum": "edem.api.enums.ProjectStatus",
        "ReportStatusEnum": "edem.api.enums.ReportStatus",
        "IdeaStatusEnum": "edem.api.enums.IdeaStatus",
        "DraftDecisionStatusEnum": "edem.api.enums.DraftDecisionStatus",
        "ProposalStatusEnum": "edem.api.enums.ProposalStatus",
        "QuestionnaireStatusEnum": "edem.api.enums.QuestionnaireStatus",
    },
}

# --- maps (Leaflet from the npm registry, see package.json) ------------------
MAP_TILE_URL = env.str(
    "MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION", default="&copy; OpenStreetMap contributors"
)

# --- security headers (tightened further in production) -----------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", "https:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'", DEVIDP_URL, "https:"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail's page log and its task runner repeat what the page history shows.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
