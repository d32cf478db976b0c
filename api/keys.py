"""API key format and checking. Keys are random (256 bits); storing their SHA-256 is enough, since a
fast hash of a high-entropy secret cannot be brute-forced, and checking stays cheap on every request."""

import hashlib
import hmac
import secrets

KEY_PREFIX = "cpp"  # "channel-preference portal": lets secret scanners recognise a leaked key


def key_generate() -> tuple[str, str]:
    """A new key and its visible prefix: `cpp_<8 hex>_<43 url-safe chars>`."""
    prefix = f"{KEY_PREFIX}_{secrets.token_hex(4)}"
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8:
        return None
    return f"{parts[0]}_{parts[1]}"


def key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(key_hash(key), stored_hash)
