"""api.fast_path: the ordinary document read and contact plan answered in front of Django gives Django's answer (the same
bytes, the same headers but the per-answer ones); every other request reaches Django untouched and gets
Django's answer; a request handed over is counted once against the rate limit."""

import json
import logging

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from api.fast_path import FastPathApplication
from api.models import Scope
from api.services import api_client_create, api_client_revoke
from tests.api.conftest import make_api_customer
from tests.api.wsgi_calls import CountingDjango, call, same_answer
from tests.audiences.conftest import AT, make_population, report_sends


@pytest.fixture
def reader(db):
    """(customer, key) for a client that may read customers and their addresses."""
    customer = make_api_customer("FAST-1", phone="0612345678", phone_verified=True)
    _client, key = api_client_create(name="fast", scopes=[Scope.CUSTOMERS_READ, Scope.CONTACT_POINTS_READ])
    return customer, key


@pytest.mark.parametrize("personal", [True, False])
def test_the_ordinary_read_is_answered_in_front_of_django_with_django_s_answer(db, fast, personal, django_assert_num_queries):
    app, django = fast
    customer = make_api_customer("FAST-1", phone="0612345678", phone_verified=True)
    scopes = [Scope.CUSTOMERS_READ, *([Scope.CONTACT_POINTS_READ] if personal else [])]
    _client, key = api_client_create(name="fast", scopes=scopes)
    path = f"/api/v1/customers/{customer.pk}"

    learned = call(app, path, key=key)  # the process's first ordinary read: Django's, and its headers learned
    assert django.calls == 1 and learned[0] == 200
    # The document (one query on PostgreSQL, three elsewhere); the key is cached, its last use recorded just now.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 3):
        mine = call(app, path, key=key)
    assert django.calls == 1  # answered in front of Django
    same_answer(mine, call(WSGIHandler(), path, key=key))
    assert (b"+33612345678" in mine[2]) is personal
    assert mine[1]["ratelimit"] != learned[1]["ratelimit"]  # counted, as Django counts


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        ({"query": "fields=id"}, 400),
        ({"accept_language": "fr"}, 200),
        ({"cookie": "sessionid=x"}, 200),
        ({"accept": "text/html"}, 406),
        ({"method": "HEAD"}, 200),
        ({"method": "DELETE"}, 405),
        ({"host": "evil.example"}, 400),
        ({"suffix": "/"}, 404),
        ({"key": None}, 401),
        ({"key": "cpp_not-a-key"}, 401),
        ({"missing": True}, 404),
    ],
)
def test_every_other_request_reaches_django_untouched(reader, fast, request_, status):
    app, django = fast
    customer, key = reader
    path = f"/api/v1/customers/{customer.pk}"
    call(app, path, key=key)  # headers learned
    request_ = dict(request_)
    if request_.pop("missing", False):
        path = "/api/v1/customers/999999999"
    path += request_.pop("suffix", "")
    request_.setdefault("key", key)
    answered = call(app, path, **request_)
    assert django.calls == 2
    assert answered[0] == status
    if request_.get("host") is None and (status != 200 or request_.get("method") == "HEAD"):
        same_answer(answered, call(WSGIHandler(), path, **request_))  # (the 400 page for a host: HTML)


def test_the_headers_a_conditional_read_or_another_key_header_use_are_django_s(reader, fast):
    app, django = fast
    customer, key = reader
    path = f"/api/v1/customers/{customer.pk}"
    etag = call(app, path, key=key)[1]["etag"]
    assert call(app, path, key=key, if_none_match=etag)[0] == 304
    assert call(app, path, x_api_key=key)[0] == 200
    assert django.calls == 3


def test_a_key_or_client_refused_and_a_missing_scope_are_django_s_answers(db, fast):
    app, django = fast
    customer = make_api_customer("FAST-2")
    path = f"/api/v1/customers/{customer.pk}"
    client, key = api_client_create(name="fast", scopes=[Scope.CUSTOMERS_READ])
    call(app, path, key=key)
    _scopeless, other = api_client_create(name="fast-events", scopes=[Scope.EVENTS_READ])
    assert call(app, path, key=other)[0] == 403
    api_client_revoke(client=client)
    assert call(app, path, key=key)[0] == 401
    assert django.calls == 3


def test_a_read_handed_to_django_is_counted_once_against_the_rate_limit(db, fast):
    app, django = fast
    customer = make_api_customer("FAST-3")
    _client, key = api_client_create(name="fast", scopes=[Scope.CUSTOMERS_READ], rate_limit_per_minute=3)
    path = f"/api/v1/customers/{customer.pk}"
    assert call(app, path, key=key)[0] == 200  # 1: Django's, headers learned
    assert call(app, path, key=key)[0] == 200  # 2: in front of Django
    status, headers, _body = call(app, "/api/v1/customers/999999999", key=key)  # 3: handed over, not found
    assert (status, headers["ratelimit"].split(";")[1]) == (404, "r=0")  # counted once: a second count was a 429
    assert call(app, path, key=key)[0] == 429  # 4: over the budget, Django's refusal
    assert django.calls == 3


def test_a_site_under_a_prefix_is_answered_by_django(reader, fast, settings):
    app, django = fast
    customer, key = reader
    path = f"/api/v1/customers/{customer.pk}"
    assert call(app, path, key=key)[1]["location"] == path
    settings.FORCE_SCRIPT_NAME = "/portal"
    status, headers, _body = call(app, path, key=key)
    assert (status, headers["location"]) == (200, f"/portal{path}")  # the address under its prefix
    assert django.calls == 2
    settings.FORCE_SCRIPT_NAME = None
    assert call(app, path, key=key)[1]["location"] == path  # in front of Django again: no prefix kept
    assert call(app, path, key=key, script_name="/crm")[1]["location"] == f"/crm{path}"  # a server's own prefix
    assert django.calls == 3


def test_https_is_redirected_by_django_and_a_secure_read_carries_hsts(reader, fast, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    django = CountingDjango()  # the security middleware reads its settings when it is built
    app = FastPathApplication(django)
    customer, key = reader
    path = f"/api/v1/customers/{customer.pk}"
    assert call(app, path, key=key)[0] == 301
    assert call(app, path, key=key, x_forwarded_proto="https")[0] == 200  # learned for HTTPS
    status, headers, _body = call(app, path, key=key, x_forwarded_proto="https")
    assert (status, headers["strict-transport-security"]) == (200, "max-age=3600")
    assert call(app, path, key=key)[0] == 301
    assert django.calls == 3


# --- Contact plans -----------------------------------------------------------------------------------------

PLANS = "/api/v1/contact-plans"


def _plan_body(**fields) -> bytes:
    return json.dumps({"topic": "offers", "ai_generated": True, "at": AT, **fields}).encode()


@pytest.mark.parametrize("personal", [True, False])
def test_the_ordinary_plan_is_answered_in_front_of_django_with_django_s_answer(db, fast, personal):
    app, django = fast
    _client, key = api_client_create(
        name="planner", scopes=[Scope.DECISIONS_READ, *([Scope.CONTACT_POINTS_READ] if personal else [])]
    )
    sender, _sender_key = api_client_create(name="sender", scopes=[Scope.DECISIONS_READ])
    customers = make_population(12)
    report_sends(sender, customers[4::8])  # a weekly cap reached: the week's sends are read
    ids = [customer.pk for customer in customers] + [999999999]
    assert call(app, PLANS, key=key, method="POST", body=_plan_body(customer_ids=ids))[0] == 200  # learned
    answers = []
    for body in (_plan_body(customer_ids=ids), _plan_body(external_ids=["AUD-1", "AUD-4", "NOBODY"])):
        answers.append(call(app, PLANS, key=key, method="POST", body=body))
        assert django.calls == 1  # answered in front of Django
        same_answer(answers[-1], call(WSGIHandler(), PLANS, key=key, method="POST", body=body))
    assert (b"@example.com" in answers[0][2]) is personal  # the addresses of those who may be contacted
    assert b'"unknown_customers":["NOBODY"]' in answers[1][2]


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        ({"body": b'{"topic": "offers", "ai_generated": true, "customer_ids": [1], "typo": 1}'}, 400),
        ({"body": b'{"topic": "offers", "ai_generated": true, "customer_ids": [1], "customer_ids": [2]}'}, 400),
        ({"body": b'{"topic": "offers", '}, 400),
        ({"body": b'{"topic": "nothing", "ai_generated": true, "customer_ids": [1]}'}, 400),
        ({"content_type": "text/plain"}, 415),
        ({"query": "x=1"}, 400),
        ({"idempotency_key": "plan-1"}, 200),
        ({"accept_language": "fr", "body": b'{"topic": "offers"}'}, 400),
        ({"key": None}, 401),
    ],
)
def test_every_other_plan_reaches_django_untouched(db, fast, request_, status):
    app, django = fast
    _client, key = api_client_create(name="planner", scopes=[Scope.DECISIONS_READ])
    customer = make_api_customer("FAST-PLAN")
    call(app, PLANS, key=key, method="POST", body=_plan_body(customer_ids=[customer.pk]))  # learned
    request_ = {"key": key, "method": "POST", "body": _plan_body(customer_ids=[customer.pk]), **request_}
    answered = call(app, PLANS, **request_)
    assert django.calls == 2
    assert answered[0] == status
    if status != 200:
        same_answer(answered, call(WSGIHandler(), PLANS, **request_))


def test_a_plan_refused_by_django_is_counted_once_against_the_rate_limit(db, fast):
    app, django = fast
    _client, key = api_client_create(name="planner", scopes=[Scope.DECISIONS_READ], rate_limit_per_minute=3)
    body = _plan_body(customer_ids=[1])
    assert call(app, PLANS, key=key, method="POST", body=body)[0] == 200  # 1: Django's, headers learned
    assert call(app, PLANS, key=key, method="POST", body=body)[0] == 200  # 2: in front of Django
    status, headers, _body = call(app, PLANS, key=key, method="POST", body=b'{"topic": "offers"}')  # 3: refused
    assert (status, headers["ratelimit"].split(";")[1]) == (400, "r=0")
    assert call(app, PLANS, key=key, method="POST", body=body)[0] == 429  # 4
    assert django.calls == 3


def test_a_fault_of_the_fast_path_is_logged_and_django_answers(reader, fast, monkeypatch, caplog):
    from api import fast_path

    app, django = fast
    customer, key = reader
    path = f"/api/v1/customers/{customer.pk}"
    call(app, path, key=key)

    def broken(document, *, personal, extra=None):
        raise KeyError("a bug")

    monkeypatch.setattr(fast_path, "document_content", broken)
    with caplog.at_level(logging.ERROR, logger="api.fast_path"):
        assert call(app, path, key=key)[0] == 200
    assert django.calls == 2
    assert "The API's fast path failed on read" in caplog.text and "KeyError" in caplog.text
    caplog.clear()
    assert call(app, "/api/v1/customers/999999999", key=key)[0] == 404  # a customer not found: nothing to say
    assert "fast path" not in caplog.text


def test_a_plan_body_beyond_the_size_limit_is_django_s_413(db, fast, settings):
    app, django = fast
    _client, key = api_client_create(name="planner", scopes=[Scope.DECISIONS_READ])
    call(app, PLANS, key=key, method="POST", body=_plan_body(customer_ids=[1]))  # learned
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    oversized = _plan_body(customer_ids=list(range(1, 60)))
    assert len(oversized) > 100
    answered = call(app, PLANS, key=key, method="POST", body=oversized)
    assert answered[0] == 413 and answered[1]["content-type"] == "application/problem+json"
    assert django.calls == 2
