"""Changes answered by api.fast_path racing each other on PostgreSQL, each writer in its own thread with
its own connection, as gunicorn's workers send them: every version is given out once, a writer whose
If-Match went stale is answered 412 by Django and tries again, nothing is lost or made twice, and the
ledger rebuilds the stored state. SQLite serialises writers: skipped there."""

import json
import threading

from django.core.handlers.wsgi import WSGIHandler

from api.fast_path import FastPathApplication
from api.services import api_client_create
from preferences.models import ConsentEvent, Customer
from tests.api.conftest import make_api_customer
from tests.api.wsgi_calls import CountingDjango, call
from tests.postgresql import CONCURRENT_WRITERS
from tests.security.test_concurrency import _in_threads, _ledger_matches_the_state

pytestmark = CONCURRENT_WRITERS

ROUNDS = 8
SETTINGS = ("customer.large_print", "customer.plain_text_email", "customer.easy_read")


def test_changes_in_front_of_django_racing_on_one_customer_lose_nothing():
    customer = make_api_customer("RACE-1")
    path = f"/api/v1/customers/{customer.pk}"
    _client, key = api_client_create(name="crm", scopes=["customers:read", "customers:write"], rate_limit_per_minute=100_000)
    django = CountingDjango()
    app = FastPathApplication(django)
    first = Customer.objects.get(pk=customer.pk).version
    body = json.dumps({"changes": {"customer.quiet_hours_start": "21:00"}}).encode()
    assert call(app, path, key=key, method="PATCH", body=body, if_match=f'"{first}"')[0] == 200  # headers learned
    start = Customer.objects.get(pk=customer.pk).version
    lock = threading.Lock()
    told: list[int] = []  # the version each change made, as its writer was told
    refused = []

    def writer(setting: str):
        def work():
            for round_ in range(ROUNDS):
                for _attempt in range(100):  # a stale If-Match is read again and sent again
                    version = json.loads(call(WSGIHandler(), path, key=key)[2])["version"]
                    body = json.dumps({"changes": {setting: round_ % 2 == 0}}).encode()
                    status, headers, _body = call(app, path, key=key, method="PATCH", body=body, if_match=f'"{version}"')
                    if status == 200:
                        with lock:
                            told.append(int(headers["etag"].strip('"').split(".")[0]))
                        break
                    assert status == 412, status
                    with lock:
                        refused.append(setting)
                else:
                    raise AssertionError("the change never got in")

        return work

    assert _in_threads([writer(setting) for setting in SETTINGS]) == []
    changes = len(SETTINGS) * ROUNDS
    final = Customer.objects.get(pk=customer.pk).version
    assert sorted(told) == list(range(start + 1, final + 1)) and final == start + changes  # each version once
    assert ConsentEvent.objects.filter(customer_id=customer.pk, version__gt=start).count() == changes
    # Made in front of Django; only the stale ones were Django's to refuse (and the first, learned).
    assert django.calls == 1 + len(refused)
    _ledger_matches_the_state(customer.pk)
