"""Every time a receiver gets, in every event type's payload, is written as the API writes times: UTC with
`Z`, to the microsecond (a walk through what a real receiver on 127.0.0.1 gets for each type)."""

import importlib
import re
from datetime import UTC, datetime

import pytest
from django.apps import apps

from contact_requests.services import Actor, contact_request_complete
from outbox.events import EventType
from outbox.models import OutboxEvent
from tests.api.test_times_utc import _date_times
from tests.webhooks.conftest import ALL_TYPES, make_customer

# What the API writes (common.times.utc_text): no other offset, no cut to the millisecond.
API_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")


@pytest.fixture
def api(make_api):
    return make_api()[0]


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"  # the site's zone, far from UTC: nothing sent follows it


def test_every_time_in_every_webhook_payload_is_written_as_the_api_writes_it(
    api, agent, receiver, new_york, django_capture_on_commit_callbacks
):
    assert set(ALL_TYPES) == set(EventType.values)  # the walk below meets every type there is
    endpoint = api.post("/api/v1/webhook-endpoints", {"url": receiver.url, "event_types": ALL_TYPES}).json()
    with django_capture_on_commit_callbacks(execute=True):
        customer = api.post("/api/v1/customers", {"external_id": "CRM-T", "email": "t@example.com",
                                                  "email_verified": True, "language": "en"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/api/v1/customers/{customer['id']}", {"changes": {"subscription.offers.email": "in"}},
                  headers={"If-Match": f'"{customer["version"]}"'})
    with django_capture_on_commit_callbacks(execute=True):
        request = api.post("/api/v1/contact-requests", {"customer_id": customer["id"], "reason": "A refund.",
                                                        "preferred_channel": "email"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        contact_request_complete(contact_request_id=request["id"], actor=Actor.staff(agent), outcome_code="reached",
                                 outcome="Called back.")
    with django_capture_on_commit_callbacks(execute=True):
        erased = api.post(f"/api/v1/customers/{customer['id']}/erasure", {"reason": "The customer asked, ref 12."})
    assert erased.status_code == 200, erased.content
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test", {}).status_code == 202

    payloads = receiver.payloads(endpoint["secret"])
    assert {payload["type"] for payload in payloads} == {*ALL_TYPES, "ping"}
    seen = {
        f"{payload['type']}:{path}": value for payload in payloads for path, value in _date_times(payload)
    }
    assert {where: value for where, value in seen.items() if not API_TIME.match(value)} == {}
    # The walk met the times there are: each body's timestamp and the erasure's time.
    assert {f"{kind}:$.timestamp" for kind in [*ALL_TYPES, "ping"]} <= set(seen)
    assert seen["customer.erased:$.data.erased_at"] == erased.json()["erased_at"]  # the API's very words
    # The header is whole seconds since the epoch, as Standard Webhooks fixes it.
    assert all(re.fullmatch(r"\d{10}", item.headers["webhook-timestamp"]) for item in receiver.received)


def test_events_recorded_before_get_their_erasure_time_rewritten(db):
    make_customer("CRM-OLD")
    old = OutboxEvent.objects.create(type="customer.erased", payload={
        "customer_id": 1, "external_id": "CRM-OLD", "version": 3, "erased_at": "2026-12-07T02:08:05.127222+00:00"})
    paris = OutboxEvent.objects.create(type="customer.erased", payload={
        "customer_id": 2, "external_id": None, "version": 1, "erased_at": "2026-12-07T03:08:05+01:00"})
    migration = importlib.import_module("outbox.migrations.0002_payload_times_in_utc")
    migration.erased_at_with_z(apps, None)
    old.refresh_from_db()
    paris.refresh_from_db()
    assert old.payload == {"customer_id": 1, "external_id": "CRM-OLD", "version": 3,
                           "erased_at": "2026-12-07T02:08:05.127222Z"}
    assert paris.payload["erased_at"] == "2026-12-07T02:08:05Z"


def test_a_time_given_to_the_outbox_is_stored_as_the_api_writes_it(db):
    moment = datetime(2026, 12, 7, 2, 8, 5, 127000, tzinfo=UTC)
    event = OutboxEvent.objects.create(type="customer.created", payload={"customer_id": 1, "at": moment})
    event.refresh_from_db()
    assert event.payload["at"] == "2026-12-07T02:08:05.127000Z"  # not Django's cut `…05.127Z`
