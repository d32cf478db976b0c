"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for tests/fuzz/test_api_schemathesis.py.

Three rules of the server cannot be written in OpenAPI 3.0: a contact plan's (and an audience's) `at` within a year of the
server's clock, each external_id once per batch (uniqueItems compares whole items), and a customer's
`phone_type` only with a `phone` (for the single upsert). Rather than
excuse those operations from `positive_data_acceptance`, the schema-valid requests that break these
rules are not sent; every other schema-valid request to them must still be accepted. Requests
meant to be invalid (negative mode) are all sent.
"""

import uuid
from datetime import UTC, datetime, timedelta

import schemathesis

# A day inside the server's horizon (api.serializers.PLAN_HORIZON, 366 days), for time zone offsets.
HORIZON = timedelta(days=365)


def _at_is_within_the_horizon(body: dict) -> bool:
    if not isinstance(body.get("at"), str):
        return True
    try:
        at = datetime.fromisoformat(body["at"])
    except ValueError:
        return True  # not a date-time: the server refuses it, as the schema does
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return abs(at - datetime.now(UTC)) <= HORIZON


def _external_ids_are_unique(body: dict) -> bool:
    items = body.get("customers")
    if not isinstance(items, list):
        return True
    ids = [item["external_id"].strip() for item in items if isinstance(item, dict) and isinstance(item.get("external_id"), str)]
    return len(ids) == len(set(ids))


def _phone_type_has_a_phone(item) -> bool:
    return not isinstance(item, dict) or "phone_type" not in item or bool(str(item.get("phone") or "").strip())


@schemathesis.hook
def filter_case(context, case) -> bool:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return True
    if case.operation.path in ("/api/v1/contact-plans", "/api/v1/audiences"):
        return _at_is_within_the_horizon(case.body)
    if case.operation.path == "/api/v1/customers/batch":
        return _external_ids_are_unique(case.body)  # a phone_type without a phone fails alone there: a 200
    if case.operation.path == "/api/v1/customers" and case.operation.method.upper() == "POST":
        return _phone_type_has_a_phone(case.body)
    return True


@schemathesis.hook
def before_call(context, case, **kwargs) -> None:
    """A new request carries a new Idempotency-Key (that is the header's contract): a generator that
    sends its favourite "0" with two different bodies is reusing a key, which the API refuses with a 422
    by design. Each valid request gets a key of its own; the header's form is still fuzzed in negative mode."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not case.headers or "Idempotency-Key" not in case.headers:
        return
    case.headers["Idempotency-Key"] = str(uuid.uuid4())
