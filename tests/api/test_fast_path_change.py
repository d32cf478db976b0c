"""api.fast_path and the ordinary change (PATCH /api/v1/customers/<id> with If-Match): answered in front of
Django with Django's answer and the same writes; every other change, and every change refused (before
anything is written), is Django's to answer, made once and counted once; a change made is never handed to
Django afterwards (it would be made again, or answered 412)."""

import json
import logging
import re

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from api import fast_path
from api.models import Scope
from api.services import api_client_create
from outbox.models import OutboxEvent
from preferences.models import ConsentEvent, Customer
from tests.api.conftest import make_api_customer
from tests.api.wsgi_calls import call, same_answer

LARGE_PRINT = {"customer.large_print": True}


def _change(customer: Customer, changes: dict, *, version: int | None = None) -> dict:
    """The keyword arguments of `call` for a change of this customer from the version it is at."""
    customer.refresh_from_db()
    return {
        "method": "PATCH",
        "body": json.dumps({"changes": changes}).encode(),
        "if_match": f'"{customer.version if version is None else version}"',
    }


def _writer(*scopes: str) -> str:
    _client, key = api_client_create(name="writer", scopes=[Scope.CUSTOMERS_WRITE, *scopes])
    return key


def _learned(app, customer: Customer, key: str) -> None:
    """The process's first ordinary change: Django's, and its headers learned (quiet hours set, so that the
    changes the tests make next are new)."""
    assert call(app, _path(customer), key=key, **_change(customer, {"customer.quiet_hours_start": "21:00"}))[0] == 200


def _path(customer: Customer) -> str:
    return f"/api/v1/customers/{customer.pk}"


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements run, but for their savepoints' names, the moments they write and the values they insert
    (a new link's random token; the ledger's rows are compared on their own)."""
    statements = [re.sub(r'"s\d+_x\d+"', '"savepoint"', query["sql"]).split(" VALUES ", 1)[0] for query in queries]
    return [re.sub(r"\d{4}-\d\d-\d\d[ T][\d:.+]+", "<now>", sql) for sql in statements]


@pytest.mark.parametrize("personal", [True, False])
@pytest.mark.parametrize("changes", [LARGE_PRINT, {"subscription.offers.email": "in", "customer.language": "fr"}])
def test_the_ordinary_change_is_answered_in_front_of_django_with_django_s_answer_and_writes(db, fast, personal, changes):
    app, django = fast
    customer = make_api_customer("FAST-CHANGE", phone="0612345678", phone_verified=True)
    key = _writer(*([Scope.CONTACT_POINTS_READ] if personal else []))
    _learned(app, customer, key)
    request = {"key": key, **_change(customer, changes), "user_agent": "CRM/2.1"}

    # Made in front of Django, then undone, then made by Django: the same answer, the same statements.
    undo = transaction.savepoint()
    with CaptureQueriesContext(connection) as mine_queries:
        mine = call(app, _path(customer), **request)
    assert django.calls == 1 and mine[0] == 200
    events = list(ConsentEvent.objects.filter(customer=customer, version=customer.version + 1).values())
    outbox = list(OutboxEvent.objects.filter(payload__customer_id=customer.pk).values_list("type", "payload"))
    transaction.savepoint_rollback(undo)
    with CaptureQueriesContext(connection) as django_queries:
        same_answer(mine, call(WSGIHandler(), _path(customer), **request))
    assert _statements(mine_queries) == _statements(django_queries)
    assert OutboxEvent.objects.filter(payload__customer_id=customer.pk).count() == len(outbox)
    assert outbox[-1][0] == "customer.preferences_changed" and outbox[-1][1]["version"] == customer.version + 1

    # The ledger as Django writes it: the client as actor, the API as source, where the request came from.
    theirs = list(ConsentEvent.objects.filter(customer=customer, version=customer.version + 1).values())
    ignored = {"id", "occurred_at"}
    assert [{k: v for k, v in row.items() if k not in ignored} for row in events] == [
        {k: v for k, v in row.items() if k not in ignored} for row in theirs
    ]
    assert {(row["actor_type"], row["source"], row["ip_truncated"], row["user_agent"]) for row in events} == {
        ("api_client", "api", "192.0.2.0/24", "CRM/2.1")
    }
    assert ("confirmations" in mine[2].decode()) and (b"pending" in mine[2]) is ("subscription.offers.email" in changes)
    assert (b"+33612345678" in mine[2]) is personal


def test_a_change_that_changes_nothing_is_answered_in_front_of_django_and_writes_nothing(db, fast):
    app, django = fast
    customer = make_api_customer("FAST-CHANGE")
    key = _writer()
    _learned(app, customer, key)
    events, outbox = ConsentEvent.objects.count(), OutboxEvent.objects.count()
    request = {"key": key, **_change(customer, {"customer.large_print": False})}  # as it is

    mine = call(app, _path(customer), **request)
    assert django.calls == 1 and mine[0] == 200
    assert (ConsentEvent.objects.count(), OutboxEvent.objects.count()) == (events, outbox)
    assert Customer.objects.get(pk=customer.pk).version == customer.version  # the same version, the same tag
    same_answer(mine, call(WSGIHandler(), _path(customer), **request))


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        ({"if_match": None}, 428),
        ({"if_match": "*"}, 428),
        ({"if_match": "seven"}, 400),
        ({"if_match": '"1"'}, 412),  # stale: the customer is at version 3
        ({"body": b'{"changes": {"customer.large_prnt": true}}'}, 400),
        ({"body": b'{"changes": {"customer.large_print": true}, "reason": "x"}'}, 400),
        ({"body": b'{"changes": {"customer.language": "xx"}}'}, 400),
        ({"body": b'{"changes": '}, 400),
        ({"content_type": "text/plain"}, 415),
        ({"query": "x=1"}, 400),
        ({"missing": True}, 404),
        ({"scope": Scope.CUSTOMERS_READ}, 403),
        ({"idempotency_key": "change-1"}, 200),
        ({"accept_language": "fr"}, 200),
        ({"if_none_match": '"3"'}, 200),
    ],
)
def test_every_other_change_is_django_s_made_at_most_once(db, fast, request_, status):
    app, django = fast
    customer = make_api_customer("FAST-CHANGE")
    key = _writer()
    _learned(app, customer, key)
    request_ = dict(request_)
    path = "/api/v1/customers/999999999" if request_.pop("missing", False) else _path(customer)
    if "scope" in request_:
        _client, key = api_client_create(name="reader", scopes=[request_.pop("scope")])
    request_ = {"key": key, **_change(customer, LARGE_PRINT), **request_}
    if request_["if_match"] is None:
        del request_["if_match"]
    before = customer.version

    answered = call(app, path, **request_)
    assert django.calls == 2 and answered[0] == status
    customer.refresh_from_db()
    assert customer.version == before + (1 if status == 200 else 0)
    assert ConsentEvent.objects.filter(customer=customer, version__gt=before).count() == (1 if status == 200 else 0)
    if status != 200:
        same_answer(answered, call(WSGIHandler(), path, **request_))


def test_a_change_refused_by_django_is_counted_once_against_the_rate_limit(db, fast):
    app, django = fast
    customer = make_api_customer("FAST-CHANGE")
    _client, key = api_client_create(name="writer", scopes=[Scope.CUSTOMERS_WRITE], rate_limit_per_minute=3)
    _learned(app, customer, key)  # 1: Django's
    assert call(app, _path(customer), key=key, **_change(customer, LARGE_PRINT))[0] == 200  # 2: in front of Django
    stale = _change(customer, {"customer.large_print": False}, version=1)
    status, headers, _body = call(app, _path(customer), key=key, **stale)  # 3: refused by the service
    assert (status, headers["ratelimit"].split(";")[1]) == (412, "r=0")  # counted once
    assert call(app, _path(customer), key=key, **_change(customer, {"customer.large_print": False}))[0] == 429
    assert django.calls == 3


def test_a_fault_after_the_change_is_answered_500_and_the_change_stands(db, fast, monkeypatch, caplog):
    app, django = fast
    customer = make_api_customer("FAST-CHANGE")
    key = _writer()
    _learned(app, customer, key)
    before = Customer.objects.get(pk=customer.pk).version

    def broken(document, *, personal, extra=None):
        raise KeyError("a bug")

    monkeypatch.setattr(fast_path, "document_content", broken)
    with caplog.at_level(logging.ERROR, logger="api.fast_path"):
        status, headers, body = call(app, _path(customer), key=key, **_change(customer, LARGE_PRINT))
    assert django.calls == 1  # not handed over: Django would make it again, or answer 412
    assert (status, headers["content-type"]) == (500, "application/problem+json")
    assert "The change was recorded" in json.loads(body)["detail"]
    assert headers["cache-control"].startswith("max-age=0, no-cache, no-store")
    assert Customer.objects.get(pk=customer.pk).version == before + 1  # made once
    assert ConsentEvent.objects.filter(customer=customer, version=before + 1).count() == 1
    assert "could not answer it" in caplog.text and "KeyError" in caplog.text


@pytest.mark.parametrize("fault", [KeyError("a bug"), OperationalError("the database went away")])
def test_a_fault_before_the_change_hands_it_to_django_which_makes_it_once(db, fast, monkeypatch, caplog, fault):
    app, django = fast
    customer = make_api_customer("FAST-CHANGE")
    key = _writer()
    _learned(app, customer, key)
    before = Customer.objects.get(pk=customer.pk).version

    def broken(*args, **kwargs):
        raise fault

    monkeypatch.setattr(fast_path, "customer_preferences_change", broken)
    with caplog.at_level(logging.ERROR, logger="api.fast_path"):
        assert call(app, _path(customer), key=key, **_change(customer, LARGE_PRINT))[0] == 200
    assert django.calls == 2
    assert Customer.objects.get(pk=customer.pk).version == before + 1
    assert ConsentEvent.objects.filter(customer=customer, version__gt=before).count() == 1
    assert ("The API's fast path failed on change" in caplog.text) is isinstance(fault, KeyError)
