"""Per-client rate limits: a fixed budget per minute, shared by every key of the client."""

import functools
import time

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    """A counter per client and fixed window (a minute) in the cache: one increment per request, so the
    cost does not grow with the rate allowed (DRF's sliding window stores and rewrites one timestamp per
    request of the last minute). A client may spend up to twice its budget across a window's edge."""

    scope = "api_client"

    def allow_request(self, request, view) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return True  # refused before throttling: authentication and scopes come first
        limit, duration = self.num_requests, self.duration
        if client.rate_limit_per_minute:
            limit, duration = client.rate_limit_per_minute, 60
        now = time.time()
        window = int(now // duration)
        key = self.cache_format % {"scope": self.scope, "ident": f"{client.pk}:{window}"}
        count = _window_count(key, ttl=duration * 2)
        self._wait = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float:
        return self._wait


def _window_count(key: str, *, ttl: int) -> int:
    """Count one more request in the window: one round trip on Redis (create the counter with its
    expiry if it is new, then increment it), where Django's add and incr take three."""
    client = _redis_client()
    if client is not None:
        key = cache.make_key(key)  # the cache's prefix and version, as its own entries have
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=ttl, nx=True)
        pipe.incr(key)
        return pipe.execute()[1]
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:  # the entry was evicted between add and incr
        cache.set(key, 1, ttl)
        return 1


@functools.cache
def _redis_client() -> redis.Redis | None:
    """The shared cache's Redis, when the cache is on Redis; else None (per-process memory)."""
    default = settings.CACHES["default"]
    if default["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    return redis.Redis.from_url(default["LOCATION"])
