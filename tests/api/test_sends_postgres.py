"""One message id reported by two requests at once, on PostgreSQL, each in its own transaction and
connection: the second waits on the unique index until the first commits, then counts as a duplicate
answered with the first's send (it was answered `recorded: 1, ids: []`, a send recorded but not
named). SQLite serialises writers: skipped there."""

import json
import threading
import time

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from api.models import Send
from api.services import SendReport, api_client_create, sends_record
from preferences.catalog import catalog_get
from tests.api.conftest import make_api_customer
from tests.postgresql import CONCURRENT_WRITERS

pytestmark = CONCURRENT_WRITERS


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_message_id_reported_twice_at_once_counts_once_and_both_answers_name_its_send():
    customer = make_api_customer()
    client, key = api_client_create(name="mailer", scopes=["sends:write"], rate_limit_per_minute=100_000)
    topic = catalog_get().topics_by_code["offers"]
    inserted, release = threading.Event(), threading.Event()
    held: list[int] = []
    answers: list = []
    failures: list[BaseException] = []

    def holder():  # records m-1 and keeps its transaction open until told
        try:
            with transaction.atomic():
                report = SendReport(customer_id=customer.pk, topic_id=topic.pk, channel="email",
                                    sent_at=timezone.now(), message_id="m-1")
                held.append(sends_record(client=client, reports=[report]).created[0].pk)
                inserted.set()
                release.wait(timeout=30)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            inserted.set()
            connection.close()

    def reporter():  # the API's request for m-1 and a send without a message id
        try:
            body = {"sends": [{"customer_id": customer.pk, "topic": "offers", "channel": "email", "message_id": "m-1"},
                              {"customer_id": customer.pk, "topic": "offers", "channel": "email"}]}
            answers.append(Client().post("/api/v1/sends", json.dumps(body), content_type="application/json",
                                         headers={"Authorization": f"Bearer {key}"}))
        except BaseException as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=reporter)]
    threads[0].start()
    assert inserted.wait(timeout=30) and not failures, failures
    threads[1].start()
    deadline = time.monotonic() + 20
    while not _waiting_on_a_lock() and time.monotonic() < deadline:  # the request waits on the unique index
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    response = answers[0]
    assert response.status_code == 201, response.content
    body = response.json()
    plain = Send.objects.get(message_id="").pk
    assert (body["recorded"], body["duplicates"], body["ids"]) == (1, 1, [plain])
    ids = {"customer_id": customer.pk, "external_id": customer.external_id}
    assert body["results"] == [{"index": 0, "id": held[0], **ids, "status": "duplicate"},
                               {"index": 1, "id": plain, **ids, "status": "recorded"}]
    assert Send.objects.count() == 2
