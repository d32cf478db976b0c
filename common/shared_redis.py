"""The shared cache's own Redis client, for the few counters and flags that need one Redis command.

Django's cache API builds a new client object for every call and has no "set if absent with an
expiry, and tell me" in one round trip that returns whether it set; the rate limit (api.throttling)
and the relay's pending flag (outbox.services) use this client instead, with the cache's own key
prefix (`cache.make_key`), so that their keys sit beside the cache's entries."""

import functools

import redis
from django.conf import settings

from common.memo import memo_register

REDIS_CACHE_BACKEND = "django.core.cache.backends.redis.RedisCache"


@functools.cache
def shared_redis() -> redis.Redis | None:
    """The shared cache's Redis, when the cache is on Redis; else None (the per-process memory of
    development and tests, which no other process sees)."""
    default = settings.CACHES["default"]
    if default["BACKEND"] != REDIS_CACHE_BACKEND:
        return None
    return redis.Redis.from_url(default["LOCATION"])


memo_register(shared_redis.cache_clear)  # the client follows settings.CACHES, which tests override
