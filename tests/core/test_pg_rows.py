"""common.pg_rows: the INSERT and UPDATE of a change's rows on PostgreSQL write what the ORM would."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.db import is_postgresql
from common.pg_rows import instance_update, instances_insert, writes_batched
from outbox.models import OutboxEvent
from preferences.models import ConsentEvent, Customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if not is_postgresql():
        pytest.skip("PostgreSQL's path (SQLite keeps the ORM's): set DATABASE_URL to a PostgreSQL database.")


def _row(instance) -> dict:
    return type(instance).objects.filter(pk=instance.pk).values().get()


def test_an_insert_writes_what_the_orm_writes_and_gives_back_what_the_database_set():
    customer = Customer.objects.create(external_id="pg-rows-1")
    fields = {
        "customer": customer,
        "version": 2,
        "occurred_at": timezone.now(),
        "actor_type": "customer",
        "source": "api",
        "old_value": None,
        "new_value": {"a": [1, "é"]},
    }
    by_orm = ConsentEvent.objects.bulk_create([ConsentEvent(key="k1", **fields)])[0]
    ours = [ConsentEvent(key="k2", **fields), ConsentEvent(key="k3", **{**fields, "old_value": False})]
    instances_insert(ours)
    assert by_orm.pk < ours[0].pk < ours[1].pk
    for event in ours:
        assert not event._state.adding and event._state.db == "default"
        assert event.transaction_id == by_orm.transaction_id  # the database's default, read back
        row, orm_row = _row(event), _row(by_orm)
        assert {**row, "id": None, "key": None, "old_value": None} == {**orm_row, "id": None, "key": None}
    assert _row(ours[0])["old_value"] is None and _row(ours[1])["old_value"] is False

    payload = {"customer_id": customer.pk, "at": timezone.now()}  # a datetime: the field's own encoder
    by_orm = OutboxEvent.objects.create(type="customer.created", payload=payload)
    event = OutboxEvent(type="customer.created", payload=payload)
    instances_insert([event])
    assert event.pk > by_orm.pk and event.created_at >= by_orm.created_at  # auto_now_add, as save() sets it
    row, orm_row = _row(event), _row(by_orm)
    assert {**row, "id": None, "created_at": None} == {**orm_row, "id": None, "created_at": None}
    assert row["created_at"] == event.created_at and row["fanned_out_at"] is None
    instances_insert([])  # nothing: no statement


def test_an_update_writes_the_fields_given_and_refuses_a_missing_row():
    customer = Customer.objects.create(external_id="pg-rows-2")
    before = customer.updated_at
    customer.large_print, customer.first_name = True, "not saved"
    customer.topic_settings = {"billing": {"paper_copy": True}}
    customer.quiet_hours_start = None
    instance_update(customer, ["large_print", "topic_settings", "updated_at", "large_print"])
    row = _row(customer)
    assert row["large_print"] is True and row["topic_settings"] == {"billing": {"paper_copy": True}}
    assert row["first_name"] == "" and row["updated_at"] == customer.updated_at > before  # auto_now
    with pytest.raises(ValueError):
        instance_update(customer, ["no_such_field"])
    gone = Customer(pk=customer.pk + 1000, updated_at=before + timedelta(days=1))
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        instance_update(gone, ["large_print"])


def _event(customer, key: str) -> ConsentEvent:
    return ConsentEvent(
        customer=customer, version=2, occurred_at=timezone.now(), key=key, actor_type="customer", source="api"
    )


def test_writes_in_a_batch_are_sent_together_and_finished_as_it_ends():
    customer = Customer.objects.create(external_id="pg-rows-3")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with writes_batched():
            [event] = instances_insert([_event(customer, "k1")])
            customer.large_print = True
            instance_update(customer, ["large_print", "updated_at"])
            [outbox] = instances_insert([OutboxEvent(type="customer.created", payload={"customer_id": customer.pk})])
            # Sent, not yet answered: nothing has been read back.
            assert event.pk is None and outbox.pk is None
            with writes_batched():  # inside another block: finished with the outer one
                [inner] = instances_insert([_event(customer, "k2")])
            assert inner.pk is None
            # A query in the block still answers (after the writes before it: one statement at a time).
            assert ConsentEvent.objects.filter(customer=customer, key__in=["k1", "k2"]).count() == 2
        assert event.pk < inner.pk and outbox.pk is not None
        assert not event._state.adding and not customer._state.adding
    assert len(queries) == 5  # the same statements as without the block
    assert _row(customer)["large_print"] is True
    assert _row(event)["key"] == "k1" and _row(outbox)["payload"] == {"customer_id": customer.pk}


def test_an_error_in_a_batch_is_djangos_and_the_transaction_keeps_nothing():
    customer = Customer.objects.create(external_id="pg-rows-4")
    gone = Customer(pk=customer.pk + 1000, updated_at=timezone.now())
    with pytest.raises(DatabaseError, match="did not affect any rows"), transaction.atomic():
        with writes_batched():
            instances_insert([_event(customer, "kept?")])
            instance_update(gone, ["large_print"])
    with pytest.raises(IntegrityError), transaction.atomic():
        with writes_batched():
            instances_insert([_event(customer, "kept?")])
            instances_insert([Customer(external_id="pg-rows-4")])  # the unique external id, taken
            instances_insert([_event(customer, "after")])  # not run: the server stops at the error
    assert not ConsentEvent.objects.filter(customer=customer).exists()
    # The connection is usable afterwards, in and out of a batch.
    with transaction.atomic(), writes_batched():
        [event] = instances_insert([_event(customer, "after the errors")])
    assert _row(event)["key"] == "after the errors"

