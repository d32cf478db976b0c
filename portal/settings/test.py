"""Tests: fast hashing, eager Celery (unit tests), mail kept in memory."""

import os

from portal.settings.base import *  # noqa: F403
from portal.settings.base import BASE_DIR, CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES, INSTALLED_APPS
from portal.settings.env import env_str

DEBUG = False
# Development-only apps (demo data, the benchmark): never in base or production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo", "bench"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Settings changed by pytest-django do not reach an already-configured Celery app: eager mode is
# set here. Tests that need a real worker start one in a subprocess with other settings.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
# One queue for each pytest-xdist worker (gw0, gw1…): a real worker started by a test must never take the
# task of a test running beside it in the other xdist worker, whose database it does not see (a CI run's
# worker test waited 60 s for a task the other's webhook worker had taken). The worker subprocess inherits
# PYTEST_XDIST_WORKER, so it consumes the queue its test publishes to.
CELERY_TASK_DEFAULT_QUEUE = "-".join(filter(None, ["celery", os.environ.get("PYTEST_XDIST_WORKER")]))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real worker process started by a test sees the same data.
    # One file per test run, so that runs started side by side never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
ACCOUNT_RATE_LIMITS = False
SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
# Webhooks may only go to this machine: no test can ever send a delivery beyond it.
WEBHOOK_ALLOWED_NETWORKS = "loopback"
# Serve static files from the apps' folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests never share the development broker folder (a `make run` worker would take their tasks).
if CELERY_BROKER_TRANSPORT_OPTIONS:
    _test_broker = env_str("PORTAL_BROKER_DIR", str(BASE_DIR / ".broker-test"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": f"{_test_broker}/queue",
        "data_folder_out": f"{_test_broker}/queue",
        "processed_folder": f"{_test_broker}/processed",
    }
