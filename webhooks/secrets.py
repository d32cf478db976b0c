"""Endpoint secrets: `whsec_` + base64 of 32 random bytes, shown once, stored encrypted.

Standard Webhooks signs with a symmetric secret, so the server must be able to read it back: it is
encrypted with a key derived from SECRET_KEY (and SECRET_KEY_FALLBACKS, so that a key rotation done
the Django way keeps existing endpoints working).
"""

import base64
import hashlib
import secrets as random_source

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
SECRET_BYTES = 32


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(random_source.token_bytes(SECRET_BYTES)).decode()


def _fernet_for(key: str) -> Fernet:
    derived = hashlib.sha256(f"webhooks.secret:{key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _cipher() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys])


def secret_encrypt(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    return _cipher().decrypt(token.encode()).decode()
