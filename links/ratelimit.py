"""A per-IP rate limit for public pages, on Django's cache (shared across processes with CACHE_URL).

A fixed one-minute window: one cache increment per request. The address is the visitor's, read
through the trusted proxies (common.client_ip), so that behind a load balancer visitors do not share
one budget.
"""

import time
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render

from common.client_ip import client_ip

WINDOW_SECONDS = 60


def ip_rate_limited(*, group: str, per_minute):
    """Answer 429 with a page (and Retry-After) once an address made `per_minute()` requests this minute."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            now = time.time()
            window = int(now // WINDOW_SECONDS)
            key = f"ratelimit:{group}:{client_ip(request)}:{window}"
            cache.add(key, 0, WINDOW_SECONDS * 2)
            try:
                count = cache.incr(key)
            except ValueError:  # evicted between add and incr: count this request as the first
                cache.set(key, 1, WINDOW_SECONDS * 2)
                count = 1
            if count > per_minute():
                retry_after = max(1, int(WINDOW_SECONDS - now % WINDOW_SECONDS))
                response = render(request, "links/rate_limited.html", {"retry_after": retry_after}, status=429)
                response["Retry-After"] = str(retry_after)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
