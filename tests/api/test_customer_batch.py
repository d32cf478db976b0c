"""Batch upsert (POST /api/v1/customers/batch): one result per item, a failing item alone, or all or
nothing with atomic; a retried batch applies once; its statements do not grow with the batch."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbox.models import OutboxEvent
from preferences.models import ConsentEvent, ContactPoint, Customer
from privacy.services import customer_erase
from tests.api.conftest import assert_problem, make_api_customer

BATCH = "/api/v1/customers/batch"


def _item(n: int, **extra) -> dict:
    return {"external_id": f"CRM-B{n}", "email": f"b{n}@example.com", "email_verified": True, **extra}


def test_each_item_has_its_result_with_its_version(api, customer):
    items = [{"external_id": "CRM-1", "last_name": "Durand"}] + [_item(n) for n in range(3)]
    response = api.post(BATCH, {"customers": items})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["applied"] == 4 and answer["failed"] == 0
    results = answer["results"]
    assert [(r["index"], r["external_id"], r["status"], r["created"]) for r in results] == [
        (0, "CRM-1", "applied", False),
        (1, "CRM-B0", "applied", True),
        (2, "CRM-B1", "applied", True),
        (3, "CRM-B2", "applied", True),
    ]
    for result in results:
        stored = Customer.objects.get(external_id=result["external_id"])
        assert (result["customer_id"], result["version"]) == (stored.pk, stored.version)
    customer.refresh_from_db()
    assert customer.last_name == "Durand" and results[0]["version"] == customer.version > 1


def test_an_item_failing_alone_does_not_stop_the_others(api):
    items = [
        _item(0),
        _item(1, phone="12"),  # breaks the schema: this item fails, with its field
        _item(2, phone_type="landline"),  # a phone type with no phone: only the service can tell
        _item(3, language="de"),
        _item(4, phone="01 42 68 53 00", phone_type="landline"),
    ]
    answer = api.post(BATCH, {"customers": items}).json()
    assert answer["applied"] == 2 and answer["failed"] == 3
    assert [r["status"] for r in answer["results"]] == ["applied", "failed", "failed", "failed", "applied"]
    problems = [r.get("problem") for r in answer["results"]]
    assert problems[1]["status"] == 400 and problems[1]["code"] == "validation_error" and "phone" in problems[1]["errors"]
    # A problem as every other of the API (type and title), its code kept.
    assert {(p["type"], p["title"]) for p in problems if p} == {("urn:portal:problem:validation_error", "The request is not valid.")}
    assert "phone_type" in problems[2]["errors"] and "language" in problems[3]["errors"]
    assert all(r["customer_id"] is None for r in answer["results"] if r["status"] == "failed")
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["CRM-B0", "CRM-B4"]
    assert not ConsentEvent.objects.filter(customer__external_id__in=["CRM-B1", "CRM-B2", "CRM-B3"]).exists()


def test_an_item_failing_in_the_service_fails_alone(api):
    make_api_customer("CRM-B1", email="b1@example.com")
    # An erased record keeps no external id: a batch naming it again creates a new customer. A customer
    # whose erasure is recorded but whose external id stays (an older erasure) is refused by the service.
    erased = make_api_customer("CRM-B2", email="b2@example.com")
    Customer.objects.filter(pk=erased.pk).update(erased_at=erased.created_at)
    answer = api.post(BATCH, {"customers": [_item(0), _item(1, first_name="Alex"), _item(2)]}).json()
    assert [r["status"] for r in answer["results"]] == ["applied", "applied", "failed"]
    assert "external_id" in answer["results"][2]["problem"]["errors"]
    assert Customer.objects.get(external_id="CRM-B1").first_name == "Alex"


def test_atomic_is_all_or_nothing_and_says_which_items_failed(api, customer):
    version = customer.version
    items = [{"external_id": "CRM-1", "last_name": "Durand"}, _item(0), _item(1, phone="12"), _item(2, language="de")]
    response = api.post(BATCH, {"customers": items, "atomic": True})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["applied"] == 0 and answer["failed"] == 2
    assert [r["status"] for r in answer["results"]] == ["not_applied", "not_applied", "failed", "failed"]
    assert "phone" in answer["results"][2]["problem"]["errors"]
    assert "language" in answer["results"][3]["problem"]["errors"]
    assert not any("version" in r for r in answer["results"])
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["CRM-1"]
    customer.refresh_from_db()
    assert customer.version == version and customer.last_name == "Martin"


def test_atomic_rolls_back_what_the_service_had_written_when_a_later_item_fails(api):
    erased = make_api_customer("CRM-B9", email="b9@example.com")
    Customer.objects.filter(pk=erased.pk).update(erased_at=erased.created_at)
    events, outbox = ConsentEvent.objects.count(), OutboxEvent.objects.count()
    answer = api.post(BATCH, {"customers": [_item(0), _item(1), _item(9)], "atomic": True}).json()
    assert [r["status"] for r in answer["results"]] == ["not_applied", "not_applied", "failed"]
    assert not Customer.objects.filter(external_id__in=["CRM-B0", "CRM-B1"]).exists()
    assert (ConsentEvent.objects.count(), OutboxEvent.objects.count()) == (events, outbox)


def test_atomic_with_every_item_valid_applies_them_all(api):
    answer = api.post(BATCH, {"customers": [_item(0), _item(1)], "atomic": True}).json()
    assert answer["applied"] == 2 and [r["status"] for r in answer["results"]] == ["applied", "applied"]


def test_the_whole_request_is_refused_when_it_is_not_a_batch(api):
    assert_problem(api.post(BATCH, {"customers": [_item(0), _item(0)]}), 400)  # one external_id twice
    assert_problem(api.post(BATCH, {"customers": []}), 400)
    assert_problem(api.post(BATCH, {"customers": [_item(n) for n in range(1001)]}), 400)
    assert_problem(api.post(BATCH, {"customers": ["not an object"]}), 400)
    assert_problem(api.post(BATCH, {"customers": [_item(0)], "atomic": "yes"}), 400)
    assert "atomik" in assert_problem(api.post(BATCH, {"customers": [_item(0)], "atomik": True}), 400)["errors"]
    # An unknown field in any item refuses the whole request, by name: a typo in the caller's code.
    body = assert_problem(api.post(BATCH, {"customers": [_item(0), _item(1, emial="b@example.com")]}), 400)
    assert body["unknown_fields"] == ["customers.1.emial"]
    assert not Customer.objects.exists()


def test_a_phone_stated_landline_is_stored_so(api):
    answer = api.post(BATCH, {"customers": [_item(0, phone="06 12 34 56 78", phone_type="landline", phone_verified=True)]})
    assert answer.status_code == 200
    point = ContactPoint.objects.get(customer__external_id="CRM-B0", kind="phone")
    assert point.phone_type == "landline"


def test_a_retried_batch_with_its_idempotency_key_applies_once(api):
    key = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    body = {"customers": [_item(0), _item(1, phone="12")]}
    first = api.post(BATCH, body, headers=key)
    assert first.status_code == 200 and first.json()["failed"] == 1
    events = ConsentEvent.objects.count()
    again = api.post(BATCH, body, headers=key)
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert ConsentEvent.objects.count() == events and Customer.objects.count() == 1
    assert_problem(api.post(BATCH, {**body, "atomic": True}, headers=key), 422)


def test_the_queries_do_not_grow_with_the_batch(api):
    api.post(BATCH, {"customers": [_item(0)]})  # warms the caches (key, catalogue, notices)
    counts = []
    for first, size in ((100, 5), (200, 40)):
        items = [_item(first + n, phone_type="mobile", phone=f"06 12 {first + n:04d} 78") for n in range(size)]
        items.append(_item(first + size, phone="12"))  # a failing item costs nothing more
        with CaptureQueriesContext(connection) as queries:
            answer = api.post(BATCH, {"customers": items}).json()
        assert answer["applied"] == size and answer["failed"] == 1
        counts.append(len(queries))
    if connection.vendor == "postgresql":
        assert counts == [8, 8], counts
    else:  # SQLite splits bulk inserts by its parameter limit (999 variables)
        assert counts[0] <= 12 and counts[1] <= 20, counts


def test_a_customer_erased_then_imported_again_is_a_new_customer(api, customer):
    customer_erase(customer_id=customer.pk, requested_by_type="staff", reason="asked by phone")
    answer = api.post(BATCH, {"customers": [{"external_id": "CRM-1", "email": "camille@example.com"}]}).json()
    assert answer["results"][0]["created"] is True and answer["results"][0]["customer_id"] != customer.pk
