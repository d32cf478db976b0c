"""Pluggable SMS gateway backends, chosen by settings.SMS_BACKEND like Django's email backends."""

import sys
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from common.memo import memo_register

# Messages sent through the in-memory backend (tests read them, as with django.core.mail.outbox).
outbox: list[dict] = []
memo_register(outbox.clear)


class BaseSmsBackend:
    def send(self, *, to: str, body: str) -> None:
        raise NotImplementedError


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str) -> None:
        outbox.append({"to": to, "body": body})


class ConsoleAndFileSmsBackend(BaseSmsBackend):
    """Development: print the SMS and append it to .sms/messages.log."""

    def send(self, *, to: str, body: str) -> None:
        line = f"{datetime.now(UTC).isoformat()} to={to} {body}\n"
        sys.stdout.write(f"[SMS] {line}")
        sys.stdout.flush()
        directory = Path(settings.SMS_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / "messages.log", "a", encoding="utf-8") as handle:
            handle.write(line)


class UnconfiguredSmsBackend(BaseSmsBackend):
    """Production without a provider: refuse loudly, the message stays queued for a retry."""

    def send(self, *, to: str, body: str) -> None:
        raise ImproperlyConfigured("No SMS gateway is configured: set SMS_BACKEND to your provider's backend.")


def sms_backend_get() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
