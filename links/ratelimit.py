"""Rate limits for public pages, on Django's cache (shared across processes with CACHE_URL).

A fixed one-minute window per rule: one cache increment per rule and request. A rule counts by what
it is keyed to: the visitor's address (read through the trusted proxies, common.client_ip, so that
behind a load balancer visitors do not share one budget), or the link in the URL.

One-click links are limited per link, tightly (a link is used once or twice by one person and their
mail software), and per address only generously: mailbox providers post RFC 8058 unsubscribes for
thousands of their users from a few shared addresses, and none of those may be refused.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render

from common.client_ip import client_ip

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateRule:
    """One budget: `per_minute()` requests a minute for each value of `key(request, kwargs)`."""

    name: str  # in the cache key and, for the page, why it was refused ("address", "link")
    key: Callable[..., str]
    per_minute: Callable[[], int]


def by_address(per_minute: Callable[[], int]) -> RateRule:
    return RateRule(name="address", key=lambda request, kwargs: client_ip(request), per_minute=per_minute)


def by_url_argument(argument: str, per_minute: Callable[[], int]) -> RateRule:
    """Keyed to a value of the URL (a link's token): hashed, so that no secret is written in the cache."""

    def key(request, kwargs) -> str:
        return hashlib.sha256(str(kwargs.get(argument, "")).encode()).hexdigest()[:32]

    return RateRule(name="link", key=key, per_minute=per_minute)


def _count(key: str) -> int:
    cache.add(key, 0, WINDOW_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: count this request as the first
        cache.set(key, 1, WINDOW_SECONDS * 2)
        return 1


def rate_limited(*, group: str, rules: tuple[RateRule, ...]):
    """Answer 429 with a page (and Retry-After) once any rule's budget for this minute is spent."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            now = time.time()
            window = int(now // WINDOW_SECONDS)
            for rule in rules:
                if _count(f"ratelimit:{group}:{rule.name}:{rule.key(request, kwargs)}:{window}") > rule.per_minute():
                    retry_after = max(1, int(WINDOW_SECONDS - now % WINDOW_SECONDS))
                    context = {"retry_after": retry_after, "limit": rule.name}
                    response = render(request, "links/rate_limited.html", context, status=429)
                    response["Retry-After"] = str(retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
