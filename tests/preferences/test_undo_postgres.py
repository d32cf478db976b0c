"""Undo racing another change on PostgreSQL, each in its own thread and connection: an undo that waits
for the customer's lock while a newer change is being committed is refused once it gets the lock,
and changes nothing. SQLite serialises writers: skipped there."""

import threading
import time

from django.db import connection, transaction

from preferences.models import ConsentEvent, Customer
from preferences.undo import UndoStale, change_undo
from tests.postgresql import CONCURRENT_WRITERS
from tests.preferences.test_undo import as_customer, change, ledger_matches_the_state
from tests.preferences.test_undo import fresh as refreshed

pytestmark = CONCURRENT_WRITERS


def _waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_an_undo_waiting_for_the_lock_while_a_newer_change_commits_is_refused(customer_user):
    user, customer = customer_user
    offered = change(customer, user, {"customer.ai_default": "human_only"})  # what the page offers to undo
    customer_as_read = refreshed(customer)  # the undo starts from the customer as the page read it
    outcome: dict = {}
    undo_started = threading.Event()
    undo_pid: dict = {}

    def undo():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                undo_pid["pid"] = cursor.fetchone()[0]
            undo_started.set()
            change_undo(customer=customer_as_read, event_id=offered.events[0].pk, context=as_customer(user))
            outcome["result"] = "applied"
        except UndoStale:
            outcome["result"] = "stale"
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            outcome["result"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=undo)
    with transaction.atomic():
        # The newer change holds the customer's lock (as a second tab's save would) while the undo arrives.
        Customer.objects.select_for_update().get(pk=customer.pk)
        thread.start()
        assert undo_started.wait(10)
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock(undo_pid["pid"]):
            assert time.monotonic() < deadline, "the undo never waited for the customer's lock"
            time.sleep(0.02)
        change(customer, user, {"customer.ai_default": "ai_allowed"})
    thread.join(30)

    assert outcome["result"] == "stale"
    assert refreshed(customer).ai_default == "ai_allowed"  # the newer change stands
    assert not ConsentEvent.objects.filter(customer_id=customer.pk, reason_code="undo").exists()
    assert ledger_matches_the_state(customer.pk)
