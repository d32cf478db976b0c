"""The rate limit on the cache production uses (Redis): one counter per client and minute, shared by
every process, counted in one round trip."""

import time
import uuid
from unittest import mock

import pytest
import redis
from django.test import override_settings

from api import throttling
from common.shared_redis import shared_redis
from tests.api.conftest import assert_problem

URL = "/api/v1/customers/{}"
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("No Redis on 127.0.0.1:6379 (CI starts one).")
    prefix = f"test-{uuid.uuid4().hex}"
    cache_settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    shared_redis.cache_clear()
    # One window for the whole test: a minute's edge in the middle would start a fresh budget.
    middle_of_a_minute = (time.time() // 60) * 60 + 30
    with (
        override_settings(CACHES=cache_settings),
        mock.patch.object(throttling, "_clock", lambda: middle_of_a_minute),
    ):
        yield redis.Redis.from_url(REDIS_URL), prefix
    shared_redis.cache_clear()


def test_rate_limit_counts_on_redis_in_one_round_trip(redis_cache, make_api, customer):
    client, prefix = redis_cache
    api, api_client = make_api(rate_limit_per_minute=2)
    assert api.get(URL.format(customer.pk)).status_code == 200
    assert api.get(URL.format(customer.pk)).status_code == 200
    response = api.get(URL.format(customer.pk))
    body = assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60 and body["retry_after"] == int(response["Retry-After"])
    # The counter is Redis's own, under the cache's prefix, and expires by itself.
    [key] = client.keys(f"{prefix}:*throttle_api_client_{api_client.pk}:*")
    assert int(client.get(key)) == 3 and 0 < client.ttl(key) <= 120
    other, _other_client = make_api()
    assert other.get(URL.format(customer.pk)).status_code == 200


def test_processes_take_numbers_in_blocks_and_never_exceed_the_budget(redis_cache, make_api, customer):
    """Two processes (simulated by forgetting this one's block) share a budget of 100: blocks of 2."""
    client, prefix = redis_cache
    api, api_client = make_api(rate_limit_per_minute=100)
    allowed = 0
    for request in range(130):
        if request % 7 == 0:
            throttling.blocks_clear()  # another process: its own blocks, the same counter
        allowed += api.get(URL.format(customer.pk)).status_code == 200
    [key] = client.keys(f"{prefix}:*throttle_api_client_{api_client.pk}:*")
    assert 100 - 2 * 19 <= allowed <= 100  # never more than the budget; at most a block lost per switch
    assert int(client.get(key)) >= allowed


def test_rate_limit_headers_read_the_shared_counter(redis_cache, make_api, customer):
    """A refusal before counting (a missing scope) reads the counter on Redis: it tells what every
    process has taken, not only this one."""
    api, _api_client = make_api("decisions:read", rate_limit_per_minute=10)
    plan = api.post("/api/v1/contact-plans", {"topic": "billing", "customer_ids": [customer.pk]})
    assert plan.status_code == 200 and plan["RateLimit"].startswith('"client";r=9;')
    refused = api.get(URL.format(customer.pk))
    assert refused.status_code == 403
    assert refused["RateLimit-Policy"] == '"client";q=10;w=60' and refused["RateLimit"] == '"client";r=9;t=30'
