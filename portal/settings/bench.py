"""Benchmark (`manage.py bench`): production-like — DEBUG off, PostgreSQL with persistent connections
and health checks as in base, whitenoise, the same middleware — without secrets, HTTPS redirect or a
real broker, on the database named by BENCH_DATABASE_URL (never the development or test database).
Adds one trivial JSON view, /bench/ping, the ceiling the API is measured against."""

import tempfile
import warnings

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import *  # noqa: F403
from portal.settings.base import CELERY_BROKER_TRANSPORT_OPTIONS, INSTALLED_APPS, POSTGRES_ENGINE, POSTGRES_OPTIONS
from portal.settings.env import env_str

BENCH_DATABASE_URL = env_str("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
# Databases that hold somebody else's data: a benchmark never writes there.
BENCH_FORBIDDEN_DATABASES = frozenset({"", "test", "test_test", "postgres", "root", "template0", "template1"})

DEBUG = False
# Development-only apps (demo data, the benchmark): never in base or production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo", "bench"]
ROOT_URLCONF = "bench.urls"
# The same connection options as base.py gives production (persistent connections, health checks).
DATABASES = {"default": dj_database_url.parse(BENCH_DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("BENCH_DATABASE_URL must name a PostgreSQL database.")
DATABASES["default"]["ENGINE"] = POSTGRES_ENGINE
DATABASES["default"]["OPTIONS"] = POSTGRES_OPTIONS
if DATABASES["default"]["NAME"] in BENCH_FORBIDDEN_DATABASES:
    raise ImproperlyConfigured(f"Refusing to benchmark on the database {DATABASES['default']['NAME']!r}.")
# A hot standby of BENCH_DATABASE_URL's server, for an audience job's chunks to read (`python -m bench.audience`
# with it set; docs/performance.md, "Audiences read on a standby"): as DATABASE_REPLICA_URL in production.
BENCH_REPLICA_URL = env_str("BENCH_REPLICA_URL")
if BENCH_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(BENCH_REPLICA_URL, conn_max_age=60, conn_health_checks=True),
        "ENGINE": POSTGRES_ENGINE,
        "OPTIONS": POSTGRES_OPTIONS,
    }

# No manifest to build: the API serves no static file.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Production queues tasks on Redis or RabbitMQ; here the embedded broker writes them to a throw-away
# folder that no worker reads (outbox rows are still written: the relay would pick them up).
if CELERY_BROKER_TRANSPORT_OPTIONS:
    _broker = env_str("BENCH_BROKER_DIR", f"{tempfile.gettempdir()}/portal-bench-broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": f"{_broker}/queue",
        "data_folder_out": f"{_broker}/queue",
        "processed_folder": f"{_broker}/processed",
    }
# The cache production requires (Redis, shared by every process) when this machine has one: rate limits
# cost a round trip per request there, and the figures should say so. Per-process memory otherwise, or
# with BENCH_CACHE_URL=off.
BENCH_CACHE_URL = env_str("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14")


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.RedisError, ValueError):
        return False


if BENCH_CACHE_URL != "off" and _redis_answers(BENCH_CACHE_URL):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": BENCH_CACHE_URL,
            "KEY_PREFIX": "bench",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# whitenoise warns that collectstatic never ran: the benchmark serves no static file.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
