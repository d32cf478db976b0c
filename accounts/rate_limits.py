"""How long until one of allauth's rate limits (ACCOUNT_RATE_LIMITS) lets the next attempt through, so
that a refusal can say how long to wait instead of "a few minutes"."""

import math
import time

from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.core.cache import cache


def rate_limit_wait_seconds(request, *, action: str, key: str | None = None, user=None) -> float:
    """Seconds until `action` is allowed again for this key, user or client address: 0 when it already
    is. allauth keeps, per rate, the times of the attempts still inside its window, newest first; a full
    rate opens again when its oldest counted attempt leaves the window."""
    rates = get_rates(app="allauth.account", action=action)
    now, wait = time.time(), 0.0
    for rate in rates:
        cache_key = get_cache_key(request, app="allauth.account", action=action, rate=rate, key=key, user=user)
        history = [moment for moment in cache.get(cache_key, []) if moment > now - rate.duration]
        if len(history) >= rate.amount:
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return wait


def rate_limit_wait_minutes(request, *, action: str, key: str | None = None, user=None) -> int:
    """Whole minutes to wait before `action` is allowed again (at least one: a refusal never says
    "wait 0 minutes"), rounded up so that waiting that long is always enough. When nothing tells how
    long (allauth refused although no rate is full: its cache lock was busy), the longest configured
    window, which is always enough."""
    wait = rate_limit_wait_seconds(request, action=action, key=key, user=user)
    if wait <= 0:
        wait = max((rate.duration for rate in get_rates(app="allauth.account", action=action)), default=60)
    return max(1, math.ceil(wait / 60))
