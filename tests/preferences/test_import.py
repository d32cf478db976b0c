"""The set-based batch import writes what customer_upsert writes for each new customer: the same
customer row, contact points, ledger events and webhook event, in a fixed number of statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbox.models import OutboxEvent
from preferences.customers import customer_upsert
from preferences.customers_import import BatchError, customers_import
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, ContactPoint, Customer
from preferences.selectors import preference_document_get
from preferences.state import state_rebuild
from privacy.services import customer_erase

IMPORT = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")
EVENT_FIELDS = (
    "key",
    "old_value",
    "new_value",
    "actor_type",
    "actor_id",
    "source",
    "reason_code",
    "privacy_notice_version",
    "ai_statement_version",
)


def _item(index: int, **extra) -> dict:
    return {
        "external_id": f"CRM-{index}",
        "email": f"Person{index}@Example.org",
        "email_verified": True,
        "phone": f"06 12 {index:04d} 78",
        "phone_verified": index % 2 == 0,
        "first_name": "Camille",
        "last_name": f"Durand {index}",
        "language": "en" if index % 3 == 0 else "fr",
        **extra,
    }


def _written(customer: Customer) -> dict:
    """What a customer's import left behind, without ids and times."""
    points = {
        p.pk: (p.kind, p.value, p.phone_type, p.verified_at is not None)
        for p in ContactPoint.objects.filter(customer=customer)
    }
    events = []
    for event in ConsentEvent.objects.filter(customer=customer).order_by("id"):
        row = [getattr(event, name) for name in EVENT_FIELDS]
        if row[0].startswith("contact_point."):  # ids differ from one customer to another
            row[0] = ("contact_point", points[int(row[0].split(".")[1])])
        events.append(tuple(map(str, row)))
    customer.refresh_from_db()
    fields = {
        f.attname: getattr(customer, f.attname)
        for f in Customer._meta.concrete_fields
        if f.attname not in ("id", "external_id", "last_name", "created_at", "updated_at")
    }
    return {"customer": fields, "points": sorted(points.values()), "events": sorted(events)}


def test_a_batch_writes_what_one_by_one_writes(db):
    created = customers_import(context=IMPORT, items=[_item(index) for index in range(1, 5)])
    assert [(c.external_id, was_created) for c, was_created, _errors in created] == [(f"CRM-{i}", True) for i in range(1, 5)]
    single, _created = customer_upsert(
        context=IMPORT,
        **_item(
            99,
            phone="06 12 0002 78",
            email="person2@example.org",
            phone_verified=True,
            language="fr",
            external_id="ONE",
        ),
    )
    batch = Customer.objects.get(external_id="CRM-2")
    assert _written(batch) == _written(single)
    for customer, _was_created, _errors in created:
        events = ConsentEvent.objects.filter(customer=customer).order_by("id").values_list("key", "new_value")
        assert state_rebuild(events) == preference_document_get(customer_id=customer.pk).state()
    payloads = [e.payload for e in OutboxEvent.objects.filter(type="customer.created").order_by("id")]
    assert {(p["external_id"], p["version"]) for p in payloads} >= {(f"CRM-{i}", 1) for i in range(1, 5)}


def test_existing_customers_are_updated_in_the_same_batch(db):
    customer_upsert(context=IMPORT, external_id="CRM-2", email="old@example.org")
    results = customers_import(context=IMPORT, items=[_item(1), _item(2), _item(3)])
    assert [(c.external_id, was_created) for c, was_created, _errors in results] == [
        ("CRM-1", True),
        ("CRM-2", False),
        ("CRM-3", True),
    ]
    updated = Customer.objects.get(external_id="CRM-2")
    assert sorted(ContactPoint.objects.filter(customer=updated).values_list("value", flat=True)) == [
        "+33612000278",
        "old@example.org",
        "person2@example.org",
    ]


def test_an_invalid_item_leaves_nothing_written(db):
    items = [_item(1), _item(2, phone="12"), _item(3, language="de")]
    with pytest.raises(BatchError) as refused:
        customers_import(context=IMPORT, items=items)
    assert set(refused.value.errors) == {"1", "2"}
    assert "phone" in refused.value.errors["1"] and "language" in refused.value.errors["2"]
    assert not Customer.objects.exists() and not ConsentEvent.objects.exists() and not OutboxEvent.objects.exists()


def test_an_erased_customer_in_a_batch_refuses_the_batch(db):
    customer, _created = customer_upsert(context=IMPORT, **_item(1))
    customer_erase(customer_id=customer.pk, requested_by_type="staff", reason="asked by phone")
    # The erased record no longer has its external id: the batch creates a new customer, who objects
    # to marketing from the start since the address is on the suppression list.
    results = customers_import(context=IMPORT, items=[_item(1), _item(2)])
    again = results[0][0]
    again.refresh_from_db()
    assert results[0][1] is True and again.pk != customer.pk and again.marketing_objection is True
    event = ConsentEvent.objects.filter(customer=again, key="customer.marketing_objection").latest("id")
    assert (event.new_value, event.reason_code) == (True, "suppression_list")
    stranger = results[1][0]
    stranger.refresh_from_db()
    assert stranger.marketing_objection is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite splits bulk inserts by its parameter limit")
def test_the_statements_do_not_grow_with_the_batch(db):
    customers_import(context=IMPORT, items=[_item(0)])  # warms the catalogue and notice caches
    counts = []
    for first, size in ((100, 5), (200, 50)):
        with CaptureQueriesContext(connection) as queries:
            customers_import(context=IMPORT, items=[_item(first + i, external_id=f"B{first + i}") for i in range(size)])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
