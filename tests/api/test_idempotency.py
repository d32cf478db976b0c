"""Idempotency-Key on every POST: a retry gets the first answer and changes nothing; another request with
the same key is a 422; the same key while the first runs is a 409; keys are per client and expire; the
kept answers go with an erasure."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from api.idempotency import idempotent_requests_purge
from api.models import IdempotentRequest, Scope
from api.services import api_client_create
from preferences.models import ConsentEvent, Customer
from privacy.services import customer_erase
from tests.api.conftest import assert_problem

UPSERT = "/api/v1/customers"
BATCH = "/api/v1/customers/batch"
CAMILLE = {"external_id": "CRM-77", "email": "camille@example.com", "email_verified": True, "language": "fr"}


def _key() -> dict:
    return {"Idempotency-Key": f'"{uuid.uuid4()}"'}


def test_a_retry_with_the_same_key_gets_the_first_answer_and_changes_nothing(api):
    key = _key()
    first = api.post(UPSERT, CAMILLE, headers=key)
    assert first.status_code == 201, first.content
    events = ConsentEvent.objects.count()
    again = api.post(UPSERT, CAMILLE, headers=key)
    assert again.status_code == 201  # the first answer, not the 200 a second upsert would give
    assert again.content == first.content
    assert again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
    assert again["Content-Location"] == first["Content-Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert ConsentEvent.objects.count() == events
    assert Customer.objects.filter(external_id="CRM-77").count() == 1


def test_a_retried_batch_import_applies_once(api):
    key = _key()
    body = {"customers": [{**CAMILLE, "external_id": f"CRM-B{n}", "email": f"b{n}@example.com"} for n in range(3)]}
    first = api.post(BATCH, body, headers=key)
    assert first.status_code in (200, 201), first.content
    events = ConsentEvent.objects.count()
    again = api.post(BATCH, body, headers=key)
    assert again.content == first.content
    assert ConsentEvent.objects.count() == events


def test_without_a_key_every_post_runs(api):
    assert api.post(UPSERT, CAMILLE).status_code == 201
    assert api.post(UPSERT, CAMILLE).status_code == 200
    assert not IdempotentRequest.objects.exists()


def test_the_same_key_with_another_body_is_refused(api):
    key = _key()
    assert api.post(UPSERT, CAMILLE, headers=key).status_code == 201
    body = assert_problem(api.post(UPSERT, {**CAMILLE, "language": "en"}, headers=key), 422)
    assert body["type"].endswith("idempotency_key_reused")
    assert Customer.objects.get(external_id="CRM-77").language == "fr"


def test_the_same_key_on_another_path_is_refused(api):
    key = _key()
    assert api.post(UPSERT, CAMILLE, headers=key).status_code == 201
    assert_problem(api.post(BATCH, {"customers": [CAMILLE]}, headers=key), 422)


def test_a_key_still_running_is_a_409_with_retry_after(make_api):
    api, client = make_api()
    key = "still-running"
    now = timezone.now()
    IdempotentRequest.objects.create(client=client, key=key, fingerprint="x" * 64, started_at=now, created_at=now)
    response = api.post(UPSERT, CAMILLE, headers={"Idempotency-Key": key})
    # Another body than the running one: 422 comes first; the same body: 409.
    assert response.status_code == 422
    IdempotentRequest.objects.all().delete()
    first = api.post(UPSERT, CAMILLE, headers={"Idempotency-Key": key})
    row = IdempotentRequest.objects.get()
    IdempotentRequest.objects.filter(pk=row.pk).update(status_code=None, body="")
    body = assert_problem(api.post(UPSERT, CAMILLE, headers={"Idempotency-Key": key}), 409)
    assert body["type"].endswith("idempotency_key_in_use")
    assert first.status_code == 201
    assert 1 <= int(api.post(UPSERT, CAMILLE, headers={"Idempotency-Key": key})["Retry-After"]) <= 5


def test_a_lost_request_may_run_again_once_its_lease_is_over(make_api, settings):
    api, _client = make_api()
    key = {"Idempotency-Key": "lost-worker"}
    assert api.post(UPSERT, CAMILLE, headers=key).status_code == 201
    row = IdempotentRequest.objects.get()
    long_ago = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_LEASE_SECONDS + 1)
    IdempotentRequest.objects.filter(pk=row.pk).update(status_code=None, body="", started_at=long_ago)
    response = api.post(UPSERT, CAMILLE, headers=key)
    assert response.status_code == 200  # ran again: the customer exists now
    assert "Idempotent-Replayed" not in response
    assert IdempotentRequest.objects.get().status_code == 200


def test_keys_are_per_client(make_api):
    first_api, _ = make_api()
    second_api, _ = make_api()
    key = {"Idempotency-Key": "shared-name"}
    assert first_api.post(UPSERT, CAMILLE, headers=key).status_code == 201
    second = second_api.post(UPSERT, CAMILLE, headers=key)
    assert second.status_code == 200 and "Idempotent-Replayed" not in second


def test_answers_that_say_try_again_are_not_kept(make_api, monkeypatch):
    monkeypatch.setattr("api.throttling._clock", lambda: 1_800_000_030.0)  # both requests in one window
    api, _client = make_api(Scope.CUSTOMERS_WRITE, rate_limit_per_minute=1)
    key = {"Idempotency-Key": "after-a-429"}
    assert api.post(UPSERT, CAMILLE, headers={"Idempotency-Key": "first"}).status_code == 201
    assert_problem(api.post(UPSERT, CAMILLE, headers=key), 429)
    assert not IdempotentRequest.objects.filter(key="after-a-429").exists()


def test_validation_errors_are_kept_like_any_answer(api):
    key = _key()
    first = assert_problem(api.post(UPSERT, {"external_id": "CRM-1", "emial": "x@example.com"}, headers=key), 400)
    again = api.post(UPSERT, {"external_id": "CRM-1", "emial": "x@example.com"}, headers=key)
    assert again.status_code == 400 and again.json() == first and again["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("value", ["", '""', "é", "a" * 256, "two words"])  # `""`: the empty string, quoted
def test_a_malformed_key_is_refused(api, value):
    body = assert_problem(api.post(UPSERT, CAMILLE, headers={"Idempotency-Key": value}), 400)
    assert body["type"].endswith("idempotency_key_invalid")
    assert not Customer.objects.exists()


def test_other_methods_ignore_the_header(api, customer):
    response = api.get(f"/api/v1/customers/{customer.pk}", headers=_key())
    assert response.status_code == 200
    assert not IdempotentRequest.objects.exists()


def test_refusals_before_the_key_are_not_kept(make_api):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    assert_problem(api.post(UPSERT, CAMILLE, headers=_key()), 403)
    assert not IdempotentRequest.objects.exists()


def test_expired_keys_are_purged_and_may_be_used_again(make_api, settings):
    api, _client = make_api()
    key = {"Idempotency-Key": "yesterday"}
    assert api.post(UPSERT, CAMILLE, headers=key).status_code == 201
    past = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS + 1)
    IdempotentRequest.objects.update(created_at=past, started_at=past)
    fresh = api.post(UPSERT, {**CAMILLE, "language": "en"}, headers=key)  # no 422: the old key is gone
    assert fresh.status_code == 200 and "Idempotent-Replayed" not in fresh
    IdempotentRequest.objects.update(created_at=past, started_at=past)
    assert idempotent_requests_purge() == 1
    assert not IdempotentRequest.objects.exists()


def test_an_erasure_deletes_the_kept_answers_that_name_the_customer(api):
    assert api.post(UPSERT, CAMILLE, headers=_key()).status_code == 201
    other = {**CAMILLE, "external_id": "CRM-78", "email": "alex@example.com"}
    assert api.post(UPSERT, other, headers=_key()).status_code == 201
    customer = Customer.objects.get(external_id="CRM-77")
    customer_erase(
        customer_id=customer.pk, requested_by_type="api_client", requested_by_id="1", reason="Asked by mail."
    )
    kept = list(IdempotentRequest.objects.values_list("body", flat=True))
    assert len(kept) == 1 and "alex@example.com" in kept[0]
    assert not any("camille@example.com" in body or "CRM-77" in body for body in kept)


def test_the_schema_documents_the_header_on_every_post(api):
    schema = api.client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    posts = [operation for operations in schema["paths"].values() if (operation := operations.get("post"))]
    assert posts
    for operation in posts:
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])
        assert {"409", "422"} <= set(operation["responses"])
        responses = operation["responses"]
        # A retry may get a kept answer again, marked as such (never a refusal that came before the key).
        assert all("Idempotent-Replayed" in responses[status]["headers"] for status in responses
                   if status.startswith("2") or status in ("400", "404", "415", "422")), operation["operationId"]
        assert not any("Idempotent-Replayed" in responses[status]["headers"] for status in ("401", "409", "429"))
        assert "Retry-After" in responses["409"]["headers"]  # while the first request with the key runs


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Two real connections at once: PostgreSQL only.")
def test_two_requests_with_one_key_at_once_run_once():
    """Two connections send the same key and body at the same moment: one runs, the other gets the
    first's answer or a 409, and the customer is created once."""
    _client, key = api_client_create(name="racer", scopes=list(Scope.values), rate_limit_per_minute=1_000_000)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def send(n: int) -> None:
        try:
            http = Client(headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "race"})
            barrier.wait()
            response = http.post(UPSERT, {**CAMILLE, "external_id": "CRM-RACE"}, content_type="application/json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 4 and set(statuses) <= {201, 409} and 201 in statuses, statuses
    assert Customer.objects.filter(external_id="CRM-RACE").count() == 1
