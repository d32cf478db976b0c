"""A database that accepts connections but never answers, or a statement stuck behind a lock: the
request answers 503 within the timeouts (problem+json for the API, the HTML page for the site), never
a hang until gunicorn kills the worker. The stall is real: a TCP listener on 127.0.0.1 that accepts
the connection and says nothing (tests/core/database_faults.py); the lock is held by another
connection."""

import time

import pytest
from django.db import connection, connections
from django.test import Client

from api.services import api_client_create
from portal.settings.base import postgres_timeout_options
from tests.conftest import make_customer_user, make_staff_user
from tests.core.database_faults import database_moved, database_stalled


def test_timeouts_are_added_to_the_connection_options_and_zero_turns_them_off():
    given = {"sslmode": "require", "options": "-c search_path=portal"}
    options = postgres_timeout_options(given, connect_timeout=5, statement_timeout=15)
    assert options == {
        "sslmode": "require",
        "connect_timeout": 5,
        "options": "-c search_path=portal -c statement_timeout=15s",
    }
    assert given == {"sslmode": "require", "options": "-c search_path=portal"}  # not changed in place
    assert postgres_timeout_options(given, connect_timeout=0, statement_timeout=0) == given


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="libpq's timeouts: set DATABASE_URL to PostgreSQL")
def test_every_connection_has_the_default_timeouts():
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 5
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "15s"


def _api_key() -> str:
    _client, key = api_client_create(name="crm", scopes=["customers:read"])
    return key


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="libpq's connect_timeout: set DATABASE_URL to PostgreSQL")
def test_a_database_that_never_answers_gives_503_within_the_connect_timeout(settings):
    settings.DATABASE_HEALTH_TIMEOUT = 1
    key = _api_key()
    customer_user, customer = make_customer_user()
    staff = make_staff_user("agent@example.com", "agent")
    site, console, api = (Client(raise_request_exception=False) for _ in range(3))
    site.force_login(customer_user)
    console.force_login(staff)
    with database_stalled(connect_timeout=2) as stalled:
        answer, api_seconds = _timed(lambda: api.get(f"/api/v1/customers/{customer.pk}", headers={"Authorization": f"Bearer {key}"}))
        assert answer.status_code == 503 and answer["Content-Type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:portal:problem:service_unavailable" and answer["Retry-After"] == "5"

        page, site_seconds = _timed(lambda: site.get("/my/topics/", HTTP_ACCEPT_LANGUAGE="en"))
        assert page.status_code == 503 and "try again" in page.content.decode()

        staff_page, console_seconds = _timed(lambda: console.get("/support/", HTTP_ACCEPT_LANGUAGE="en"))
        assert staff_page.status_code == 503

        health, health_seconds = _timed(lambda: Client().get("/healthz"))
        assert health.status_code == 503 and health.json()["checks"]["database"] == "down"
        assert stalled.accepted, "nothing ever connected to the stalling listener"
    # connect_timeout is 2 s (libpq's minimum): each answer comes after one timeout, far from 30 s.
    assert max(api_seconds, site_seconds, console_seconds) < 5, (api_seconds, site_seconds, console_seconds)
    assert health_seconds < 2.5, health_seconds  # its own, lower limit
    # The database answers again: so does the API.
    assert api.get(f"/api/v1/customers/{customer.pk}", headers={"Authorization": f"Bearer {key}"}).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout: set DATABASE_URL")
def test_a_statement_stuck_behind_a_lock_gives_503_within_the_statement_timeout():
    key = _api_key()
    customer_user, customer = make_customer_user()
    site, api = Client(raise_request_exception=False), Client(raise_request_exception=False)
    site.force_login(customer_user)
    locker = connections.create_connection("default")
    try:
        locker.set_autocommit(False)
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE preferences_customer IN ACCESS EXCLUSIVE MODE")
        options = dict(connection.settings_dict["OPTIONS"], options="-c statement_timeout=1s")
        with database_moved(OPTIONS=options):
            answer, api_seconds = _timed(
                lambda: api.get(f"/api/v1/customers/{customer.pk}", headers={"Authorization": f"Bearer {key}"})
            )
            page, site_seconds = _timed(lambda: site.get("/my/topics/", HTTP_ACCEPT_LANGUAGE="en"))
    finally:
        locker.rollback()
        locker.close()
    assert answer.status_code == 503 and answer["Content-Type"] == "application/problem+json"
    assert page.status_code == 503 and "try again" in page.content.decode()
    assert 0.9 < api_seconds < 4 and 0.9 < site_seconds < 4, (api_seconds, site_seconds)
    # The lock is gone: the same request goes through.
    assert api.get(f"/api/v1/customers/{customer.pk}", headers={"Authorization": f"Bearer {key}"}).status_code == 200
