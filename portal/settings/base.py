"""Settings shared by every deployment. Environment-specific values come from portal.settings.env."""

import ipaddress
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.settings.accounts import *  # noqa: F403 - the accounts' part of these settings
from portal.settings.env import (
    BASE_DIR,
    CACHE_URL,
    CELERY_BROKER_URL,
    DATABASE_CONNECT_TIMEOUT,
    DATABASE_HEALTH_TIMEOUT,
    DATABASE_PREPARED_STATEMENTS,
    DATABASE_REPLICA_URL,
    DATABASE_STATEMENT_TIMEOUT,
    DATABASE_URL,
    DEFAULT_FROM_EMAIL,
    EMAIL_FROM_NAMES,  # noqa: F401 - a setting: the sender's name per language (notifications.sender)
    REPLICA_MAX_WAIT_SECONDS,
    env_int,
    env_list,
    env_str,
)

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-never-use-in-production")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal.admin_site.PortalAdminConfig",  # django.contrib.admin with the site's own AdminSite
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # PostgreSQL's index expressions with an operator class (the console search's trigram indexes,
    # preferences migration 0007); harmless on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "notifications",
    "outbox",
    "preferences",
    "drf_spectacular_sidecar",
    "api",
    "contact_requests",
    "support",
    "links",
    "privacy",
    "audiences",
    "webhooks",
    "customer_pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "accounts.middleware.StaffTimeZoneMiddleware",
    "accounts.middleware.AccountPagesNoStoreMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "portal.middleware.PostOnlyAddressMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
            "builtins": ["portal.templatetags.portal_tags"],
        },
    },
]

# --- Database: PostgreSQL when DATABASE_URL is set, an SQLite file in the project folder otherwise.
# PostgreSQL binds parameters and keeps the plan of a query a connection ran twice (prepared statements):
# hot queries skip parsing and planning. Behind PgBouncer < 1.21 in transaction mode, set DATABASE_PREPARED_STATEMENTS=off.
POSTGRES_ENGINE = "common.postgresql"  # Django's backend, with a health check that costs no round trip
POSTGRES_OPTIONS = {"server_side_binding": True, "prepare_threshold": 2 if DATABASE_PREPARED_STATEMENTS else None}


def postgres_timeout_options(options: dict, *, connect_timeout: int, statement_timeout: int) -> dict:
    """`options` with libpq's connect_timeout and a server-side statement_timeout (seconds, 0: none).

    Without them a database that accepts connections but never answers holds the request until gunicorn
    kills the worker (a 500 after 30 s): now the connection or the statement fails, and the request
    answers 503 (portal.middleware). PgBouncer refuses the `options` startup parameter: there, set
    DATABASE_STATEMENT_TIMEOUT=0 and `ALTER ROLE … SET statement_timeout` (docs/database-roles.md).
    """
    options = dict(options)
    if connect_timeout > 0:
        options["connect_timeout"] = connect_timeout
    if statement_timeout > 0:
        given = options.get("options", "")
        options["options"] = f"{given} -c statement_timeout={statement_timeout}s".strip()
    return options


if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = POSTGRES_ENGINE
        DATABASES["default"]["OPTIONS"] = postgres_timeout_options(
            {**DATABASES["default"].get("OPTIONS", {}), **POSTGRES_OPTIONS},
            connect_timeout=DATABASE_CONNECT_TIMEOUT,
            statement_timeout=DATABASE_STATEMENT_TIMEOUT,
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # The web process and the Celery worker share the file: WAL lets readers and one writer
            # work at once, IMMEDIATE transactions take the write lock up front instead of failing
            # half-way with "database is locked".
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != POSTGRES_ENGINE:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is a replica of the PostgreSQL database DATABASE_URL names.")
    # The same options as the primary's; nothing writes there (common.replica reads only) and, in tests,
    # it is the test database under a second connection.
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True),
        "ENGINE": POSTGRES_ENGINE,
        "OPTIONS": DATABASES["default"]["OPTIONS"],
        "TEST": {"MIRROR": "default"},
    }
REPLICA_MAX_WAIT_SECONDS = REPLICA_MAX_WAIT_SECONDS  # seconds a chunk waits for the replica to catch up
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_HEALTH_TIMEOUT = DATABASE_HEALTH_TIMEOUT  # seconds, for /healthz (portal.views)

# --- Cache: shared (Redis) when CACHE_URL is set; per-process memory otherwise.
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts (django-allauth, MFA, passwords): portal/settings/accounts.py, imported above.

# --- Internationalisation: French first, English too. No language prefix in URLs, so that links in
# emails and one-click links stay stable; the language comes from the cookie or the browser.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
FORMAT_MODULE_PATH = ["portal.formats"]  # unambiguous short English dates
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Paris"

# --- Static files, served by whitenoise (no CDN).
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email. Every message goes through the notifications outbox (nothing lost when the server fails).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_str("EMAIL_USE_TLS", "false").lower() in {"1", "true", "yes"}
EMAIL_TIMEOUT = 10
SERVER_EMAIL = DEFAULT_FROM_EMAIL  # read, with EMAIL_FROM_NAMES, in portal.settings.env
MAIL_DIR = BASE_DIR / ".mail"
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# The name emails greet and sign with, and the header shows; unset, common.site.site_name's default.
SITE_NAME = env_str("SITE_NAME", "")

# --- Celery: Redis or RabbitMQ when CELERY_BROKER_URL is set; otherwise kombu's filesystem transport,
# an embedded broker that needs no service (web and worker share the .broker/ folder).
BROKER_DIR = Path(env_str("PORTAL_BROKER_DIR", str(BASE_DIR / ".broker")))
if CELERY_BROKER_URL:
    CELERY_BROKER_URL = CELERY_BROKER_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "email-outbox-redrive": {"task": "notifications.tasks.email_outbox_redrive", "schedule": 60.0},
    "contact-requests-escalate-overdue": {
        "task": "contact_requests.tasks.contact_requests_escalate_overdue",
        "schedule": 300.0,
    },
    "links-expired-delete": {"task": "links.tasks.links_expired_delete", "schedule": 86400.0},
    "privacy-data-exports-purge": {"task": "privacy.tasks.data_exports_purge", "schedule": 3600.0},
    "webhooks-redrive": {"task": "webhooks.tasks.webhooks_redrive", "schedule": 30.0},
    "api-idempotent-requests-purge": {"task": "api.tasks.idempotent_requests_purge", "schedule": 3600.0},
    "audiences-sweep": {"task": "audiences.tasks.audiences_sweep", "schedule": 30.0},
}

# --- Webhooks (webhooks/addresses.py, webhooks/schedule.py). "public": HTTPS to public addresses
# only (SSRF guard); "loopback": only this machine, for development and tests.
WEBHOOK_ALLOWED_NETWORKS = "public"
WEBHOOK_RETRY_BASE_SECONDS = 30.0  # then ×2 per attempt (at most 8 h), jittered
WEBHOOK_RETRY_WINDOW_SECONDS = 3 * 24 * 3600  # then the delivery is dead-lettered

# --- Behind a load balancer: X-Forwarded-For is read only through these proxies (common/client_ip.py),
# for every rate limit and the ledger's truncated IP. Neither set: REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXY_NETWORKS = [str(ipaddress.ip_network(n, strict=False)) for n in env_list("TRUSTED_PROXY_NETWORKS", [])]

# --- Security headers that hold everywhere.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- REST API.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    # Other systems authenticate with API keys (api.authentication); each view names its scopes.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication", "api.authentication.HeaderApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": env_str("API_RATE_LIMIT", "600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_METADATA_CLASS": "api.metadata.MediaTypesMetadata",  # OPTIONS: no developer docstrings
}
# A POST sent with an Idempotency-Key: its answer is replayed to a retry with the same key and body for
# this long (api/idempotency.py); a request still running after IDEMPOTENCY_KEY_LEASE_SECONDS is taken
# as lost (its worker died) and the key may run again.
IDEMPOTENCY_KEY_TTL_SECONDS = env_int("IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600)
IDEMPOTENCY_KEY_LEASE_SECONDS = env_int("IDEMPOTENCY_KEY_LEASE_SECONDS", 120)
SPECTACULAR_SETTINGS = {
    "DEFAULT_GENERATOR_CLASS": "api.schema.EnglishSchemaGenerator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.batch_limits_postprocess",
        "api.schema.idempotency_key_postprocess",
        "api.schema.response_headers_postprocess",
    ],
    "TITLE": "Channel-preference portal API",
    "DESCRIPTION": "What other systems may send, to whom, on which channels, with AI or not.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc served from our own static files (drf-spectacular-sidecar): no CDN, CSP holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # PATCH bodies are validated whole (no partial serializers): the schema must not make fields optional.
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {
        "ChannelCode": "preferences.domain.ChannelCode",
        "AiLevel": "preferences.domain.AiLevel",
        "DeliveryMode": "preferences.domain.DeliveryMode",
        "TopicKind": "preferences.domain.TopicKind",
        "ContactPointKind": "preferences.domain.ContactPointKind",
        "BatchItemStatus": "api.changes.ITEM_STATUSES",
        "MessagingService": "preferences.domain.MessagingService",
        "ContactRequestStatus": "contact_requests.models.ContactRequestStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No secret in a log line: one-click tokens and reset keys in paths, API keys (common.log_filters).
    "filters": {"redact_secrets": {"()": "common.log_filters.SecretRedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers for these (console in DEBUG, runserver's request lines) would write
        # paths unfiltered: their records go through the handler above instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Paths used elsewhere.
DEMO_PASSWORD_FILE = Path(BASE_DIR / ".demo-logins")

# --- SMS: a pluggable gateway, like Django's email backends. Production names its provider's backend.
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.sms.UnconfiguredSmsBackend")
SMS_DIR = BASE_DIR / ".sms"

# --- One-click links, double opt-in and data rights (links, privacy).
ONE_CLICK_UNSUBSCRIBE_DAYS = env_int("ONE_CLICK_UNSUBSCRIBE_DAYS", 90)
OPTIN_CONFIRMATION_DAYS = env_int("OPTIN_CONFIRMATION_DAYS", 7)
# One-click pages are limited per link (a person and their mail software use a link a few times), and
# per visitor address only as a generous ceiling: mailbox providers send their users' RFC 8058 POSTs
# from a few shared addresses, and a campaign's burst of genuine unsubscribes must never be refused.
ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE = env_int("ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE", 20)
ONE_CLICK_RATE_LIMIT_PER_MINUTE = env_int("ONE_CLICK_RATE_LIMIT_PER_MINUTE", 5000)  # per address
DATA_EXPORT_KEEP_DAYS = 7
# --- Campaign audiences (audiences): chunks of this many customer ids, each taken by one worker under a
# lease its heartbeat extends (a worker lost: the sweep gives its chunk to another after the lease);
# files kept AUDIENCE_KEEP_HOURS, download links valid AUDIENCE_LINK_SECONDS.
AUDIENCE_CHUNK_CUSTOMERS = env_int("AUDIENCE_CHUNK_CUSTOMERS", 10_000)
AUDIENCE_CHUNK_LEASE_SECONDS = env_int("AUDIENCE_CHUNK_LEASE_SECONDS", 120)
AUDIENCE_CHUNK_MAX_ATTEMPTS = 5
AUDIENCE_KEEP_HOURS = env_int("AUDIENCE_KEEP_HOURS", 48)
AUDIENCE_LINK_SECONDS = env_int("AUDIENCE_LINK_SECONDS", 3600)
AUDIENCE_MAX_JOBS_PER_CLIENT = env_int("AUDIENCE_MAX_JOBS_PER_CLIENT", 2)
# Key of the suppression list's HMAC; SECRET_KEY when unset. Set it in production, so that rotating
# SECRET_KEY does not make the list forget who asked to be erased.
SUPPRESSION_HASH_KEY = env_str("SUPPRESSION_HASH_KEY")
