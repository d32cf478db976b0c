"""Every value that changes between deployments is read from the environment here, and only here."""

import os
from email.utils import parseaddr
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def env_required(name: str) -> str:
    """A value production cannot run without: fail loudly at start-up when it is missing."""
    value = env_str(name)
    if not value:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return int(value) if value is not None else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATABASE_URL = env_str("DATABASE_URL")
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# A read replica of DATABASE_URL (a hot standby): audience chunks read from it once it has caught up
# (common.replica), waiting up to REPLICA_MAX_WAIT_SECONDS for it before reading the primary instead.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
REPLICA_MAX_WAIT_SECONDS = env_int("REPLICA_MAX_WAIT_SECONDS", 10)
# Seconds; 0 turns the limit off. A database that accepts connections but never answers, or a statement
# stuck behind a lock, must give an answer (503) well before gunicorn kills the worker (30 s).
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 15)
# /healthz: connection and `SELECT 1` together, checked by the client (load balancers wait a few seconds).
DATABASE_HEALTH_TIMEOUT = env_int("DATABASE_HEALTH_TIMEOUT", 2)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CACHE_URL = env_str("CACHE_URL")
# The address every email is sent from, under a name in the language the email is written in
# (notifications.sender). A name written in DEFAULT_FROM_EMAIL ("Acme <no-reply@acme.fr>") is the
# sender's name in every language, unless EMAIL_FROM_NAME_FR / EMAIL_FROM_NAME_EN are set. Without a
# name, a deployment that names its site (SITE_NAME, which every email greets and signs with) sends
# under that name, not under "Portail préférences" above "Bonjour, ce message vous est envoyé par ACME".
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@example.com")
_FROM_NAME = parseaddr(DEFAULT_FROM_EMAIL)[0] or env_str("SITE_NAME", "").strip()
EMAIL_FROM_NAMES = {
    "fr": env_str("EMAIL_FROM_NAME_FR", _FROM_NAME or "Portail préférences"),
    "en": env_str("EMAIL_FROM_NAME_EN", _FROM_NAME or "Preferences portal"),
}
