"""The PostgreSQL health check (common/postgresql): a quiet, idle connection is usable without a query;
a connection the server has closed is found out before a request uses it, and the request succeeds."""

import time

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection, connections

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend (CI's PostgreSQL leg)"),
]


def _other_connection() -> psycopg.Connection:
    given = connection.settings_dict
    return psycopg.connect(
        host=given["HOST"], port=given["PORT"], user=given["USER"], dbname=given["NAME"], autocommit=True
    )


def _server_closes(pid: int) -> None:
    """The server ends that backend, and its farewell reaches our socket (as on a restart)."""
    with _other_connection() as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
    deadline = time.monotonic() + 5
    while connection.is_usable():
        assert time.monotonic() < deadline, "the terminated connection still looked usable after 5 s"
        time.sleep(0.05)


def _last_query_of(pid: int) -> str:
    with _other_connection() as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_the_backend_is_the_projects():
    assert connection.settings_dict["ENGINE"] == "common.postgresql"
    assert type(connections["default"]).__module__ == "common.postgresql.base"


def test_a_quiet_idle_connection_is_usable_without_a_round_trip():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement sent'")
        pid = connection.connection.info.backend_pid
    assert connection.is_usable()
    # Had the check sent SELECT 1, the server would show it as this backend's last statement.
    assert _last_query_of(pid) == "SELECT 'the last statement sent'"


def test_a_connection_inside_a_transaction_is_asked_with_a_query():
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'in a transaction'")
        pid = connection.connection.info.backend_pid
        assert connection.is_usable()
        assert _last_query_of(pid) == "SELECT 1"
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def test_a_connection_the_server_closed_is_replaced_before_the_next_request_uses_it(make_api, customer):
    api, _client = make_api()
    assert api.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    _server_closes(pid)

    close_old_connections()  # what every request starts with (the test client leaves it out)
    response = api.get(f"/api/v1/customers/{customer.pk}")

    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid


def test_without_the_check_the_same_request_would_have_failed(make_api, customer):
    """The check above is what saves the request: the dead connection, used as is, fails."""
    api, _client = make_api()
    connection.ensure_connection()
    _server_closes(connection.connection.info.backend_pid)
    try:
        with pytest.raises(OperationalError), connection.cursor() as cursor:
            connection.health_check_done = True  # as if already checked in this request
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # the test database's teardown needs a live connection
