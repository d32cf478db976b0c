"""RateLimit-Policy and RateLimit (IETF draft "RateLimit header fields for HTTP") on every answer to a
client: successes, problems and the 429 itself, from the throttle that answers 429."""

import re
import time
from unittest import mock

import pytest

from api import throttling
from api.models import Scope
from tests.api.conftest import assert_problem

DETAIL = "/api/v1/customers/{}"
STATE = re.compile(r'^"client";r=(\d+);t=(\d+)$')


@pytest.fixture(autouse=True)
def one_window():
    """A clock in the middle of a minute, still for the whole test: one window, a whole number of seconds."""
    moment = (time.time() // 60) * 60 + 30
    with mock.patch.object(throttling, "_clock", lambda: moment):
        yield


def _state(response) -> tuple[int, int]:
    match = STATE.match(response["RateLimit"])
    assert match, response["RateLimit"]
    return int(match.group(1)), int(match.group(2))


def test_every_answer_tells_the_budget_and_what_is_left(make_api, customer):
    api, _client = make_api(rate_limit_per_minute=5)
    remaining = []
    for _ in range(3):
        response = api.get(DETAIL.format(customer.pk))
        assert response.status_code == 200
        assert response["RateLimit-Policy"] == '"client";q=5;w=60'
        remaining.append(_state(response))
    assert remaining == [(4, 30), (3, 30), (2, 30)]


def test_the_deployment_default_is_told_when_the_client_has_no_limit_of_its_own(settings, make_api, customer):
    api, _client = make_api()
    response = api.get(DETAIL.format(customer.pk))
    assert response["RateLimit-Policy"] == '"client";q=600;w=60'
    assert _state(response) == (599, 30)


def test_the_429_says_nothing_is_left_and_when_it_comes_back(make_api, customer):
    api, _client = make_api(rate_limit_per_minute=2)
    assert _state(api.get(DETAIL.format(customer.pk))) == (1, 30)
    assert _state(api.get(DETAIL.format(customer.pk))) == (0, 30)
    refused = api.get(DETAIL.format(customer.pk))
    body = assert_problem(refused, 429)
    assert refused["RateLimit-Policy"] == '"client";q=2;w=60'
    assert _state(refused) == (0, 30) == (0, int(refused["Retry-After"]))
    assert body["retry_after"] == 30


def test_problem_answers_carry_the_headers_too(make_api, customer):
    api, _client = make_api(rate_limit_per_minute=10)
    not_found = api.get(DETAIL.format(999999))
    assert_problem(not_found, 404)
    assert _state(not_found) == (9, 30)
    invalid = api.get(DETAIL.format(customer.pk), unknown="1")
    assert_problem(invalid, 400)
    assert _state(invalid) == (8, 30)
    stale = api.patch(
        DETAIL.format(customer.pk), {"changes": {"customer.easy_read": True}}, headers={"If-Match": '"99"'}
    )
    assert_problem(stale, 412)
    assert _state(stale) == (7, 30)


def test_a_refusal_before_counting_tells_the_state_without_spending_it(make_api, customer):
    api, _client = make_api(Scope.DECISIONS_READ, rate_limit_per_minute=10)
    assert api.post("/api/v1/contact-plans", {"topic": "billing", "customer_ids": [customer.pk]}).status_code == 200
    refused = api.get(DETAIL.format(customer.pk))  # customers:read is missing
    assert_problem(refused, 403)
    assert refused["RateLimit-Policy"] == '"client";q=10;w=60'
    assert _state(refused) == (9, 30)  # the refusal did not count


def test_no_key_no_budget_to_tell(client, customer):
    refused = client.get(DETAIL.format(customer.pk))
    assert_problem(refused, 401)
    assert "RateLimit" not in refused and "RateLimit-Policy" not in refused


def test_the_schema_declares_the_headers_on_every_answer(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if not operation.get("security"):
                continue  # a signed link (the audience download): no key, no client, no budget
            for status, response in operation["responses"].items():
                assert {"RateLimit-Policy", "RateLimit"} <= set(response.get("headers", {})), (path, method, status)
            if "429" in operation["responses"]:
                assert operation["responses"]["429"]["headers"]["Retry-After"]["required"] is True, (path, method)
