"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for tests/fuzz/test_api_schemathesis.py.

Four rules of the server cannot be written in OpenAPI 3.0: a contact plan's (and an audience's) `at` within a year of the
server's clock, each external_id once per batch (uniqueItems compares whole items), a customer's
`phone_type` only with a `phone` (for the single upsert), and a replayed time range's `until` after its
`since` (fields cannot be compared with each other). Rather than
excuse those operations from `positive_data_acceptance`, the schema-valid requests that break these
rules are not sent; every other schema-valid request to them must still be accepted. Requests
meant to be invalid (negative mode) are all sent. Most valid changes of a preference document carry the
current version in If-Match (read just before), so that the change is fuzzed past the 412.
"""

import os
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import requests
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


def _range_is_in_order(body: dict) -> bool:
    try:
        since, until = (datetime.fromisoformat(body[name]) for name in ("since", "until"))
        return until > since
    except (KeyError, TypeError, ValueError):
        return True  # missing or not a date-time: the server refuses it, as the schema does


def _phone_type_has_a_phone(item) -> bool:
    return not isinstance(item, dict) or "phone_type" not in item or bool(str(item.get("phone") or "").strip())


@schemathesis.hook
def filter_case(context, case) -> bool:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return True
    if case.operation.path in ("/api/v1/contact-plans", "/api/v1/audiences"):
        return _at_is_within_the_horizon(case.body)
    if case.operation.path == "/api/v1/webhook-endpoints/{endpoint_id}/replay":
        return _range_is_in_order(case.body)
    if case.operation.path == "/api/v1/customers/batch":
        return _external_ids_are_unique(case.body)  # a phone_type without a phone fails alone there: a 200
    if case.operation.path == "/api/v1/customers" and case.operation.method.upper() == "POST":
        return _phone_type_has_a_phone(case.body)
    return True


PREFERENCE_CHANGES = ("/api/v1/customers/{customer_id}", "/api/v1/customers/by-external-id/{external_id}")


def _current_etag(case) -> str | None:
    """The document's ETag as the API gives it now, to the key the test passed (FUZZ_API_KEY)."""
    key = os.environ.get("FUZZ_API_KEY")
    if not key:
        return None
    path = case.operation.path.format(**{name: quote(str(value), safe="") for name, value in (case.path_parameters or {}).items()})
    answer = requests.get(f"{case.operation.base_url}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=20)
    return answer.headers.get("ETag") if answer.status_code == 200 else None


def _if_match_is_current(case) -> None:
    """If-Match must name the version the client read, which a generator cannot know: most valid PATCHes of a
    preference document (4 in 5, by the generated tag) name the current one, read just before, so that the
    change itself is fuzzed rather than stopped at the 412; the rest keep theirs, and the 412 is fuzzed too."""
    if case.operation.method.upper() != "PATCH" or case.operation.path not in PREFERENCE_CHANGES:
        return
    generated = (case.headers or {}).get("If-Match")
    if generated is None or zlib.crc32(str(generated).encode()) % 5 == 0:
        return
    etag = _current_etag(case)
    if etag:
        case.headers["If-Match"] = etag


@schemathesis.hook
def before_call(context, case, **kwargs) -> None:
    """A new request carries a new Idempotency-Key (that is the header's contract): a generator that
    sends its favourite "0" with two different bodies is reusing a key, which the API refuses with a 422
    by design. Each valid request gets a key of its own; the header's form is still fuzzed in negative mode."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not case.headers:
        return
    _if_match_is_current(case)
    if "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
