"""Per-client rate limits: a fixed budget per minute, shared by every key of the client."""

import functools
import time

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiClient
from common.memo import memo_register


class ApiClientRateThrottle(SimpleRateThrottle):
    """A counter per client and fixed window (a minute) in the shared cache, so the cost does not grow
    with the rate allowed (DRF's sliding window stores and rewrites one timestamp per request of the
    last minute). A client may spend up to twice its budget across a window's edge.

    Each process takes numbers from the counter in blocks (a fiftieth of the budget) and hands them to
    its requests one by one; a request is allowed when its number is within the budget. Numbers are
    never given twice, so no client ever gets more than its budget in a window; a busy client costs one
    cache round trip per block instead of one per request. Numbers a process holds unused when the
    budget runs out are lost: a client near its limit may be refused a few requests early."""

    scope = "api_client"

    def allow_request(self, request, view) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return True  # refused before throttling: authentication and scopes come first
        limit, duration = self.num_requests, self.duration
        if client.rate_limit_per_minute:
            limit, duration = client.rate_limit_per_minute, 60
        now = _clock()
        window = int(now // duration)
        key = self.cache_format % {"scope": self.scope, "ident": f"{client.pk}:{window}"}
        number = _number_take(key, block=max(1, limit // 50), ttl=duration * 2)
        self._wait = (window + 1) * duration - now
        return number <= limit

    def wait(self) -> float:
        return self._wait


def _clock() -> float:
    return time.time()


# This process's block of numbers, per window key: [next number, last number of the block].
_blocks: dict[str, list[int]] = {}


def blocks_clear() -> None:
    """Forget this process's blocks (tests, between two of them, as they clear the cache)."""
    _blocks.clear()


memo_register(blocks_clear)


def _number_take(key: str, *, block: int, ttl: int) -> int:
    """The next number of this window for this process: from its block, or from a new block."""
    held = _blocks.get(key)
    if held is None or held[0] > held[1]:
        if held is None and len(_blocks) > 1000:  # windows gone by
            _blocks.clear()
        last = _counter_add(key, block, ttl=ttl)
        held = _blocks[key] = [last - block + 1, last]
    number = held[0]
    held[0] += 1
    return number


def _counter_add(key: str, amount: int, *, ttl: int) -> int:
    """Add to the window's counter and return it: one round trip on Redis (create the counter with its
    expiry if it is new, then increment it), where Django's add and incr take three."""
    client = _redis_client()
    if client is not None:
        key = cache.make_key(key)  # the cache's prefix and version, as its own entries have
        pipe = client.pipeline(transaction=False)
        pipe.set(key, 0, ex=ttl, nx=True)
        pipe.incrby(key, amount)
        return pipe.execute()[1]
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key, amount)
    except ValueError:  # the entry was evicted between add and incr
        cache.set(key, amount, ttl)
        return amount


@functools.cache
def _redis_client() -> redis.Redis | None:
    """The shared cache's Redis, when the cache is on Redis; else None (per-process memory)."""
    default = settings.CACHES["default"]
    if default["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return None
    return redis.Redis.from_url(default["LOCATION"])


memo_register(_redis_client.cache_clear)  # the client follows settings.CACHES, which tests override
