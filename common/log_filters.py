"""Keep secrets out of the logs.

Django logs the path of every 4xx/5xx answer (`django.request`) and, under runserver, of every request
(`django.server`). Some paths carry a secret: a one-click token (`/unsubscribe/<token>/`, which
unsubscribes whoever POSTs it, and `/confirm/<token>/`, which confirms an opt-in) and a password-reset
key. API keys travel in headers, which Django does not log, but a key pasted into a message or an
exception text must not reach a log file either.

The filter is set on the handlers (portal.settings.base.LOGGING), so it sees every record that
propagates to them, whatever logger wrote it. (Found by tests/security/test_logs.py.)
"""

import logging
import re

REDACTED = "[redacted]"

PATTERNS = [
    # One-click links (unsubscribe, double opt-in confirmation): the whole token (signed public id).
    (re.compile(r"(/(?:unsubscribe|confirm)/)[^/\s\"'?]+"), rf"\1{REDACTED}"),
    # allauth password reset: /accounts/password/reset/key/<uidb36>-<key>/ (and the set-password step).
    (re.compile(r"(/password/reset/key/)[^/\s\"'?]+"), rf"\1{REDACTED}"),
    # API keys: cpp_<8 hex>_<secret>; the prefix alone identifies the key, keep it.
    (re.compile(r"\b(cpp_[0-9a-f]{8}_)[A-Za-z0-9_\-]+"), rf"\1{REDACTED}"),
    # Webhook signing secrets and bearer credentials.
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=_\-]+"), f"whsec_{REDACTED}"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), rf"\1{REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class SecretRedactingFilter(logging.Filter):
    """Rewrite the record's message with its secrets replaced; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error handling
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
