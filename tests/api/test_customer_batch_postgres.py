"""Batch upserts (POST /api/v1/customers/batch) racing each other on PostgreSQL, each writer in its own
thread with its own connection: two batches naming the same customers in opposite orders (existing
ones and new ones) both succeed, none waits for the other forever (a deadlock would be a 500), every
customer exists once and its ledger proves its state. SQLite serialises writers: skipped there."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from api.services import api_client_create
from preferences.models import Customer
from tests.api.conftest import make_api_customer
from tests.postgresql import CONCURRENT_WRITERS
from tests.security.test_concurrency import _ledger_matches_the_state

pytestmark = CONCURRENT_WRITERS

ROUNDS = 8
BATCH = "/api/v1/customers/batch"


@pytest.mark.parametrize("atomic", [True, False])
@pytest.mark.parametrize("known", [4, 0], ids=["with-existing-customers", "only-new-customers"])
def test_two_batches_naming_the_same_customers_in_opposite_orders_both_succeed(atomic, known):
    # With existing customers, their row locks make the second batch wait for the first; with only new
    # ones, both insert at once and meet on the external id's unique index.
    existing = [make_api_customer(f"CRM-OLD-{n}", email=f"old{n}@example.com") for n in range(known)]
    _client, key = api_client_create(name="crm", scopes=["customers:write"], rate_limit_per_minute=100_000)
    headers = {"Authorization": f"Bearer {key}"}
    start = threading.Barrier(2)
    answers: list[tuple[str, int, dict]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def items_for(round_number: int, *, writer: str) -> list[dict]:
        new = [f"CRM-NEW-{round_number}-{n}" for n in range(4)]
        items = [{"external_id": c.external_id, "first_name": f"{writer}{round_number}"} for c in existing]
        items += [{"external_id": external_id, "email": f"{external_id.lower()}@example.com"} for external_id in new]
        return items if writer == "a" else list(reversed(items))

    def writer(name: str):
        try:
            client = Client()
            for round_number in range(ROUNDS):
                body = {"customers": items_for(round_number, writer=name), "atomic": atomic}
                start.wait(timeout=30)  # both batches go at once, every round
                response = client.post(BATCH, json.dumps(body), content_type="application/json", headers=headers)
                with lock:
                    answers.append((name, response.status_code, response.json() if response.status_code == 200 else {}))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
            start.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert len(answers) == 2 * ROUNDS
    assert [status for _name, status, _body in answers] == [200] * (2 * ROUNDS), answers
    for _name, _status, body in answers:
        assert body["failed"] == 0, body
        assert body["applied"] == known + 4
    for round_number in range(ROUNDS):
        for n in range(4):
            assert Customer.objects.filter(external_id=f"CRM-NEW-{round_number}-{n}").count() == 1
    for customer in Customer.objects.all():
        _ledger_matches_the_state(customer.pk)
