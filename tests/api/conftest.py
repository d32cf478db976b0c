"""API fixtures: clients with keys made through the services, and a small JSON HTTP helper."""

import itertools
import json

import pytest
from django.core import signals
from django.db import close_old_connections

from api.fast_path import FastPathApplication
from api.models import Scope
from api.services import api_client_create
from preferences.customers import customer_upsert
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.api.wsgi_calls import CountingDjango

_names = itertools.count(1)


class Api:
    """Django's test client speaking JSON with an API key."""

    def __init__(self, client, key: str | None):
        self.client = client
        self.key = key

    def _headers(self, headers: dict) -> dict:
        base = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return {**base, **headers}

    def get(self, path: str, *, headers: dict | None = None, **params):
        return self.client.get(path, params, headers=self._headers(headers or {}))

    def post(self, path: str, body, *, headers: dict | None = None):
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self._headers(headers or {}))

    def delete(self, path: str, *, headers: dict | None = None):
        return self.client.delete(path, headers=self._headers(headers or {}))

    def patch(self, path: str, body, *, headers: dict | None = None):
        return self.client.patch(path, json.dumps(body), content_type="application/json", headers=self._headers(headers or {}))


@pytest.fixture
def make_api(db, client):
    """make_api(*scopes) → (Api, ApiClient). No scope given: every scope."""

    def make(*scopes: str, **fields):
        api_client, key = api_client_create(name=f"system-{next(_names)}", scopes=list(scopes or Scope.values), **fields)
        return Api(client, key), api_client

    return make


@pytest.fixture
def api(make_api):
    """A client with every scope."""
    return make_api()[0]


def make_api_customer(external_id: str = "CRM-1", **fields):
    values = {"email": "camille@example.com", "email_verified": True, "first_name": "Camille", "last_name": "Martin",
              "language": "en"}
    values.update(fields)
    customer, _created = customer_upsert(
        context=ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT), external_id=external_id, **values
    )
    return customer


@pytest.fixture
def customer(db):
    return make_api_customer()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:portal:problem:") and body["title"] and body["detail"]
    return body


@pytest.fixture
def connections_kept():
    """As Django's test client does: a request's signals do not close the test's database connection."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def fast(connections_kept):
    """(api.fast_path in front of Django, Django counting the requests it answers)."""
    django = CountingDjango()
    return FastPathApplication(django), django
