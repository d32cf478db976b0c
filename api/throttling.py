"""Per-client rate limits: a fixed budget per minute, shared by every key of the client."""

import time

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
        cache.add(key, 0, duration * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # the entry was evicted between add and incr
            cache.set(key, 1, duration * 2)
            count = 1
        self._wait = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float:
        return self._wait
