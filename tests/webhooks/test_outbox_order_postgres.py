"""The outbox relay on PostgreSQL when transactions commit out of id order: it takes every event not yet
fanned out (a flag, not an "id > cursor" position), so an event whose transaction commits late is
relayed late, never skipped."""

import threading

import pytest
from django.db import connection, connections, transaction

from outbox.models import OutboxEvent
from preferences.changes import preferences_change
from tests.webhooks.conftest import make_customer, system_context

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Commit order only differs from id order on PostgreSQL."),
]


def test_an_event_committed_after_a_later_one_is_still_delivered(endpoint, receiver):
    _endpoint, secret = endpoint
    first, second = make_customer("CRM-1"), make_customer("CRM-2", email="dominique@example.com")
    wrote, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow():  # records the lower outbox id, commits last
        try:
            with transaction.atomic():
                preferences_change(customer_id=first.pk, changes={"customer.large_print": True}, context=system_context())
                wrote.set()
                assert release.wait(30)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow)
    thread.start()
    assert wrote.wait(30)
    # Committed while the slow one is open: relayed (eager Celery) at once, past the open one's id.
    preferences_change(customer_id=second.pk, changes={"customer.large_print": True}, context=system_context())
    release.set()
    thread.join(30)
    assert not errors, errors
    assert not OutboxEvent.objects.filter(fanned_out_at__isnull=True).exists()
    changed = [p["data"] for p in receiver.payloads(secret) if p["type"] == "customer.preferences_changed"]
    assert sorted(item["customer_id"] for item in changed) == sorted([first.pk, second.pk])
    slow_event = OutboxEvent.objects.get(type="customer.preferences_changed", payload__customer_id=first.pk)
    fast_event = OutboxEvent.objects.get(type="customer.preferences_changed", payload__customer_id=second.pk)
    assert slow_event.pk < fast_event.pk and slow_event.fanned_out_at > fast_event.fanned_out_at
