"""Per-client rate limits: a fixed budget per minute, shared by every key of the client, and the
`RateLimit-Policy` / `RateLimit` headers that tell a client where it stands (IETF draft "RateLimit
header fields for HTTP"), computed by the same throttle that answers 429."""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiClient
from common.memo import memo_register
from common.shared_redis import shared_redis


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
        limit, duration = self.budget(client)
        taken = request.META.pop(FAST_PATH_NUMBER, None)  # the number api.fast_path took before handing over
        if taken is None or taken.client_id != client.pk:
            taken = window_number_take(self, client, limit=limit, window=duration)
        self._wait = taken.wait
        request.rate_limit = RateLimitState(
            limit=limit, window=duration, remaining=max(0, limit - taken.number), reset=taken.reset
        )
        return taken.number <= limit

    def budget(self, client: ApiClient) -> tuple[int, int]:
        """The client's budget: requests per window of so many seconds."""
        if client.rate_limit_per_minute:
            return client.rate_limit_per_minute, 60
        return self.num_requests, self.duration

    def window_key(self, client: ApiClient, window: int) -> str:
        return self.cache_format % {"scope": self.scope, "ident": f"{client.pk}:{window}"}

    def peek(self, client: ApiClient) -> "RateLimitState":
        """Where the client stands, without spending a request (answers refused before throttling,
        such as a missing scope): one cache read."""
        limit, duration = self.budget(client)
        now = _clock()
        window = int(now // duration)
        used = cache.get(self.window_key(client, window)) or 0
        return RateLimitState(
            limit=limit,
            window=duration,
            remaining=max(0, limit - int(used)),
            reset=math.ceil((window + 1) * duration - now),
        )

    def wait(self) -> float:
        return self._wait


def _clock() -> float:
    return time.time()


# The WSGI environ's key under which api.fast_path hands Django the number it took for a request it leaves to
# Django (refused or not found), so that the request is counted once. Not a header: a client cannot set it.
FAST_PATH_NUMBER = "portal.api.rate_limit_number"


@dataclass(frozen=True)
class TakenNumber:
    """A request's number in its client's window, and the seconds left in that window."""

    client_id: int
    number: int
    wait: float

    @property
    def reset(self) -> int:
        return math.ceil(self.wait)


def window_number_take(throttle: ApiClientRateThrottle, client: ApiClient, *, limit: int, window: int) -> TakenNumber:
    """Count one request of `client` in the current window of `window` seconds (budget `limit`)."""
    now = _clock()
    index = int(now // window)
    number = _number_take(throttle.window_key(client, index), block=max(1, limit // 50), ttl=window * 2)
    return TakenNumber(client_id=client.pk, number=number, wait=(index + 1) * window - now)


# The policy's name in the headers: one budget per client (every key of it), so one policy.
RATE_LIMIT_POLICY = "client"


@dataclass(frozen=True)
class RateLimitState:
    """A client's budget and what is left of it in the current window.

    `remaining` counts the numbers this process was given: other processes may hold a few unused ones
    (a fiftieth of the budget each), so it is exact with one process and close with several."""

    limit: int
    window: int
    remaining: int
    reset: int  # seconds until the window ends and the budget is whole again

    def headers(self) -> dict[str, str]:
        """The draft's structured fields (draft-ietf-httpapi-ratelimit-headers): the policy (quota `q`
        per window `w` seconds) and the state (remaining `r`, reset `t` seconds)."""
        return {
            "RateLimit-Policy": f'"{RATE_LIMIT_POLICY}";q={self.limit};w={self.window}',
            "RateLimit": f'"{RATE_LIMIT_POLICY}";r={self.remaining};t={max(0, self.reset)}',
        }


def rate_limit_headers_add(request, response) -> None:
    """Put the client's rate-limit headers on any answer to it: the state the throttle left on the
    request, or (when the request was refused before being counted) the state read without counting.
    An answer to no known client (no key, a refused key) has none: there is no budget to tell."""
    state = getattr(request, "rate_limit", None)
    if state is None:
        client = getattr(request, "_user", None)  # never authenticates again: what was found, if anything
        if not isinstance(client, ApiClient):
            return
        state = ApiClientRateThrottle().peek(client)
    for name, value in state.headers().items():
        response[name] = value


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
    client = shared_redis()
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

