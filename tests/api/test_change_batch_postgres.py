"""Atomic bulk changes (POST /api/v1/customers/changes, atomic) racing PATCHes of the same customer, on
PostgreSQL, each writer in its own thread with its own connection: no update is lost, every version
is given out once, an atomic batch stopped by a stale version leaves its other customers untouched,
and the ledger rebuilds the stored state. SQLite serialises writers: skipped there."""

import json
import threading

from django.test import Client

from api.services import api_client_create
from preferences.models import ConsentEvent, Customer
from tests.api.conftest import make_api_customer
from tests.postgresql import CONCURRENT_WRITERS
from tests.security.test_concurrency import _in_threads, _ledger_matches_the_state

pytestmark = CONCURRENT_WRITERS

ROUNDS = 6
CHANGES = "/api/v1/customers/changes"


def test_atomic_batches_and_patches_of_one_customer_lose_nothing():
    target, second, third = (make_api_customer(f"CRM-{n}", email=f"p{n}@example.com") for n in range(3))
    _client, key = api_client_create(
        name="crm", scopes=["customers:read", "customers:write"], rate_limit_per_minute=100_000
    )
    headers = {"Authorization": f"Bearer {key}"}
    start = {c.pk: Customer.objects.get(pk=c.pk).version for c in (target, second, third)}
    start_event = ConsentEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    lock = threading.Lock()
    versions: dict[int, list[int]] = {c.pk: [] for c in (target, second, third)}  # as each writer was told
    applied_batches: list[str] = []
    stopped_batches: list[str] = []

    def told(customer_id: int, version: int) -> None:
        with lock:
            versions[customer_id].append(version)

    def post(client, body) -> dict:
        response = client.post(CHANGES, json.dumps(body), content_type="application/json", headers=headers)
        assert response.status_code == 200, response.content
        return response.json()

    def batch_writer(name: str, setting: str, *, expect_version: bool):
        # Three customers at once, the target first; with expect_version, the target's expected version is
        # read just before, so a PATCH in between stops the whole batch (412 for it, the others not applied).
        def work():
            client = Client()
            for _round in range(ROUNDS):
                for _attempt in range(50):  # a stopped batch is sent again, as a well-behaved client does
                    # Each writer owns its setting and flips it at each batch applied: every batch changes something.
                    with lock:
                        value = applied_batches.count(name) % 2 == 0
                    items = [{"customer_id": c.pk, "changes": {setting: value}} for c in (target, second, third)]
                    if expect_version:
                        read = client.get(f"/api/v1/customers/{target.pk}", headers=headers).json()
                        items[0]["expected_version"] = read["version"]
                    answer = post(client, {"items": items, "atomic": True})
                    statuses = [result["status"] for result in answer["results"]]
                    if statuses == ["applied"] * 3:
                        with lock:
                            applied_batches.append(name)
                        for result in answer["results"]:
                            told(result["customer_id"], result["version"])
                        break
                    assert statuses == ["failed", "not_applied", "not_applied"], answer
                    assert answer["results"][0]["problem"]["status"] == 412
                    with lock:
                        stopped_batches.append(name)
                else:
                    raise AssertionError("the batch never got in")

        return work

    patches: list[int] = []

    def patch_writer(setting: str):
        def work():
            client = Client()
            path = f"/api/v1/customers/{target.pk}"
            for round_ in range(ROUNDS):
                for _attempt in range(50):  # read, change, again on 412, as a well-behaved client does
                    etag = client.get(path, headers=headers)["ETag"]
                    response = client.patch(
                        path,
                        json.dumps({"changes": {setting: round_ % 2 == 0}}),
                        content_type="application/json",
                        headers={**headers, "If-Match": etag},
                    )
                    if response.status_code == 412:
                        continue
                    assert response.status_code == 200, response.content
                    told(target.pk, response.json()["version"])
                    with lock:
                        patches.append(round_)
                    break
                else:
                    raise AssertionError("the PATCH never got in")

        return work

    errors = _in_threads(
        [
            batch_writer("plain", "customer.large_print", expect_version=False),
            batch_writer("expecting", "customer.easy_read", expect_version=True),
            patch_writer("customer.plain_text_email"),
        ]
    )
    assert not errors, errors

    assert len(patches) == ROUNDS and len(applied_batches) == 2 * ROUNDS
    # Every change got a version of its own, and the versions given out are exactly the ones in between:
    # no writer's change was overwritten by another's.
    final = {c.pk: Customer.objects.get(pk=c.pk).version for c in (target, second, third)}
    assert final[target.pk] == start[target.pk] + len(applied_batches) + len(patches)
    assert sorted(versions[target.pk]) == list(range(start[target.pk] + 1, final[target.pk] + 1))
    for other in (second, third):  # only the batches that were applied touched them, each once
        assert final[other.pk] == start[other.pk] + len(applied_batches)
        assert sorted(versions[other.pk]) == list(range(start[other.pk] + 1, final[other.pk] + 1))
    # The ledger holds each applied change once, at the version its writer was told, and rebuilds the state.
    for customer in (target, second, third):
        events = ConsentEvent.objects.filter(customer_id=customer.pk, id__gt=start_event)
        assert sorted(set(events.values_list("version", flat=True))) == sorted(versions[customer.pk])
        _ledger_matches_the_state(customer.pk)
    # The stopped batches wrote nothing: the second customer has one easy_read event per applied batch.
    easy_read = ConsentEvent.objects.filter(customer_id=second.pk, key="customer.easy_read", id__gt=start_event)
    assert easy_read.count() == ROUNDS


def test_atomic_batches_naming_customers_in_opposite_orders_never_deadlock():
    customers = [make_api_customer(f"CRM-{n}", email=f"p{n}@example.com") for n in range(4)]
    _client, key = api_client_create(
        name="crm", scopes=["customers:read", "customers:write"], rate_limit_per_minute=100_000
    )
    headers = {"Authorization": f"Bearer {key}"}
    start = {c.pk: Customer.objects.get(pk=c.pk).version for c in customers}

    def writer(order: list, setting: str):
        def work():
            client = Client()
            for round_ in range(ROUNDS):
                items = [{"external_id": c.external_id, "changes": {setting: round_ % 2 == 0}} for c in order]
                response = client.post(
                    CHANGES, json.dumps({"items": items, "atomic": True}), content_type="application/json",
                    headers=headers,
                )
                assert response.status_code == 200, response.content
                answer = response.json()
                assert answer["applied"] == len(order), answer
                # Results stay in the order of the items, whatever order the customers were locked in.
                assert [r["external_id"] for r in answer["results"]] == [c.external_id for c in order]

        return work

    errors = _in_threads(
        [writer(customers, "customer.large_print"), writer(customers[::-1], "customer.easy_read")]
    )
    assert not errors, errors
    for customer in customers:
        assert Customer.objects.get(pk=customer.pk).version == start[customer.pk] + 2 * ROUNDS
        _ledger_matches_the_state(customer.pk)
