"""Signed, expiring download links of an audience's file: the token names the job and the format and is
refused after AUDIENCE_LINK_SECONDS (django.core.signing, with the site's secret key)."""

from django.conf import settings
from django.core import signing

SALT = "audiences.download"


def download_token_make(*, job_id: int, fmt: str) -> str:
    return signing.dumps([job_id, fmt], salt=SALT)


def download_token_valid(token: str, *, job_id: int, fmt: str) -> bool:
    """Whether the token was made for this job and format, less than AUDIENCE_LINK_SECONDS ago."""
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.AUDIENCE_LINK_SECONDS)
    except signing.BadSignature:  # SignatureExpired too
        return False
    return value == [job_id, fmt]
