"""When to try a failed delivery again: exponential backoff with jitter, at least what Retry-After
asks, for about three days (WEBHOOK_RETRY_WINDOW_SECONDS). Pure functions: no clock, no database."""

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

MAX_BACKOFF = timedelta(hours=8)
# A receiver cannot push its next attempt further than this with Retry-After.
MAX_RETRY_AFTER = timedelta(days=1)
JITTER = 0.25  # ±25 %, so that endpoints recovering from an outage are not hit by every retry at once


def retry_after_parse(value: str | None, *, now: datetime) -> timedelta | None:
    """Retry-After as seconds or as an HTTP date (RFC 9110 §10.2.3); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(timedelta(seconds=int(value)), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return min(max(moment - now, timedelta(0)), MAX_RETRY_AFTER)


def retry_delay(
    *, attempts: int, base_seconds: float, retry_after: timedelta | None = None, rng: random.Random | None = None
) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base × 2^(attempts-1), capped, jittered,
    and never shorter than Retry-After."""
    backoff = min(timedelta(seconds=base_seconds * 2 ** min(max(attempts - 1, 0), 30)), MAX_BACKOFF)
    backoff *= 1 + (rng or random).uniform(-JITTER, JITTER)
    return max(backoff, retry_after or timedelta(0))
