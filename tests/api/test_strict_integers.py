"""Integers as the schema says: in a body, a JSON number ("7" and true are refused, not coerced); in a
query string, ASCII digits ("1.0", " 1" and "١" are refused, not read as 1)."""

import pytest

from tests.api.conftest import assert_problem

PLANS = "/api/v1/contact-plans"


@pytest.mark.parametrize("value", ["1", True, [1], {"id": 1}, 1.5])
def test_a_body_integer_sent_as_anything_else_is_refused(api, customer, value):
    # "1" was read as customer 1: the schema says integer, and a client that sends a string has a bug.
    body = assert_problem(api.post(PLANS, {"topic": "billing", "customer_ids": [value]}), 400)
    assert "customer_ids" in body["errors"]
    body = assert_problem(api.post("/api/v1/contact-requests", {"customer_id": value, "reason": "A refund."}), 400)
    assert "customer_id" in body["errors"]
    body = assert_problem(api.post("/api/v1/sends", {"sends": [{"customer_id": value, "topic": "billing", "channel": "email"}]}), 400)
    assert "customer_id" in str(body["errors"])
    body = assert_problem(api.post("/api/v1/customers/changes", {"items": [
        {"customer_id": customer.pk, "expected_version": value, "changes": {"customer.language": "fr"}},
    ]}), 400)
    assert "expected_version" in str(body["errors"])


def test_a_body_integer_is_still_taken_as_a_number(api, customer):
    answer = api.post(PLANS, {"topic": "billing", "customer_ids": [customer.pk]})
    assert answer.status_code == 200, answer.content
    # JSON Schema's integer is any number without a fraction: 7.0 names 7.
    answer = api.post(PLANS, {"topic": "billing", "customer_ids": [float(customer.pk)]})
    assert answer.status_code == 200 and answer.json()["plans"][0]["customer_id"] == customer.pk


@pytest.mark.parametrize("value", ["1.0", " 1", "1 ", "+1", "\u0661", "1e2", "0x10", "1_0"])
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/events", "limit"),
        ("/api/v1/events", "customer_id"),
        ("/api/v1/customers", "limit"),
        ("/api/v1/customers", "after"),
        ("/api/v1/contact-requests", "limit"),
        ("/api/v1/contact-requests", "before"),
        ("/api/v1/contact-requests", "customer_id"),
        ("/api/v1/audiences", "limit"),
    ],
)
def test_a_query_integer_in_any_other_form_than_digits_is_refused(api, customer, path, name, value):
    body = assert_problem(api.get(path, **{name: value}), 400)
    assert name in body["errors"]
    assert api.get(path, **{name: "1"}).status_code == 200
