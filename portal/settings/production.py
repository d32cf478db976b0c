"""Production: PostgreSQL, a real broker, SMTP, HTTPS. Refuses to start without its secrets."""

from portal.settings.base import *  # noqa: F403
from portal.settings.env import env_bool, env_int, env_list, env_required

DEBUG = False
SECRET_KEY = env_required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    env_required("DJANGO_ALLOWED_HOSTS")
env_required("DATABASE_URL")
env_required("CELERY_BROKER_URL")
# Rate limits, cached API keys, the catalogue and notice versions must be one for every process.
env_required("CACHE_URL")
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 60 * 60 * 12
# Webhooks: HTTPS to public addresses only (no private, loopback or link-local target: SSRF).
WEBHOOK_ALLOWED_NETWORKS = "public"
