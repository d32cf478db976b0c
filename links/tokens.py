"""The token in a one-click URL: a random public id, signed. No personal data, not even a customer id.

Why signed random ids rather than a signed payload or a hashed secret:
- Nothing about the person is readable in the URL (a signed payload such as django.core.signing's
  is only base64: a customer id or topic in it would be readable by anyone holding the message).
- A tampered or made-up token fails the HMAC check before any query (400), so guessing costs the
  database nothing; a well-signed id that names no row (erased customer, purged link) is a 404.
- Expiry and revocation live in the row, checked on every use (410 once expired), and erasure
  deletes the rows, so old messages stop working at once.
- The API can hand the same link out again while it has life left (a hashed secret could not be
  shown twice), so a campaign of a million messages does not write a million rows.
- Key rotation: SECRET_KEY_FALLBACKS keeps links already in mailboxes working.
"""

import secrets

from django.core import signing

SALT = "links.one-click"
SEPARATOR = "."


def public_id_new() -> str:
    return secrets.token_urlsafe(12)  # 96 random bits, 16 URL-safe characters


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=SEPARATOR)


def token_for(public_id: str) -> str:
    return _signer().sign(public_id)


def public_id_from(token: str) -> str | None:
    """The public id of a well-signed token, or None when the token was tampered with."""
    if len(token) > 200:
        return None
    try:
        return _signer().unsign(token)
    except signing.BadSignature:
        return None
