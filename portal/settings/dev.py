"""Local development: debug on, email to the console and to .mail/ files, embedded defaults."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import INSTALLED_APPS
from portal.settings.env import env_int, env_str

DEBUG = True
# Development-only apps (demo data, the benchmark): never in base or production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo", "bench"]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "notifications.backends.ConsoleAndFileEmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.sms.ConsoleAndFileSmsBackend")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Webhooks may only go to this machine in development.
WEBHOOK_ALLOWED_NETWORKS = "loopback"
# `make run PORT=8101` (scripts/run_dev.py) binds that port: links in emails follow it unless SITE_URL is set.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")
