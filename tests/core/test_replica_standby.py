"""common.replica against a real hot standby: a PostgreSQL primary and its streaming standby started for
each test (tests/standby.py). The standby's replay is paused to make it lag, then resumed; then it is
promoted, and no longer follows the primary. The audience job on such a pair:
tests/audiences/test_real_standby.py."""

import logging
import time

import pytest
from django.db import connections
from django.db.utils import ConnectionHandler

from common.replica import replica_caught_up
from portal.settings.base import POSTGRES_ENGINE
from tests.standby import standby_pair_running


@pytest.fixture
def standby_pair():
    """(primary, standby): Django connections to a new primary and to its streaming standby, for one test
    (one test promotes its standby)."""
    with standby_pair_running() as pair:
        # Two aliases beside the test database's (django.contrib.postgres finds a new connection by its alias),
        # for this test only; it uses no test database, so no test case guards the aliases.
        server = {"ENGINE": POSTGRES_ENGINE, "NAME": "postgres", "USER": "postgres", "HOST": "127.0.0.1"}
        configured = ConnectionHandler({"default": server}).settings["default"]  # with Django's defaults
        with pytest.MonkeyPatch.context() as patch:
            for name, port in pair.ports.items():
                patch.setitem(connections.settings, f"pair_{name}", {**configured, "PORT": str(port)})
            yield connections["pair_primary"], connections["pair_standby"]
            for name in pair.ports:
                connections[f"pair_{name}"].close()
                del connections[f"pair_{name}"]


def _run(connection, sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() if cursor.description else None


def test_a_standby_is_read_once_it_has_replayed_the_primary_s_writes(standby_pair, django_db_blocker, caplog):
    primary, standby = standby_pair
    with django_db_blocker.unblock(), caplog.at_level(logging.WARNING, logger="common.replica"):
        _run(primary, "CREATE TABLE erasures (customer_id int)")
        assert replica_caught_up(primary=primary, replica=standby, wait_seconds=10)
        assert _run(standby, "SELECT count(*) FROM erasures") == (0,)

        # The standby stops replaying; the primary commits an erasure it has not seen yet.
        _run(standby, "SELECT pg_wal_replay_pause()")
        _wait_for(standby, "SELECT pg_get_wal_replay_pause_state() = 'paused'")
        _run(primary, "INSERT INTO erasures VALUES (7)")
        assert not replica_caught_up(primary=primary, replica=standby, wait_seconds=0.3)
        assert "more than 0.3 s behind the primary" in caplog.text
        assert _run(standby, "SELECT count(*) FROM erasures") == (0,)  # what a chunk would have read there

        # Replaying again within the wait: the standby is read, and it has the erasure.
        _run(standby, "SELECT pg_wal_replay_resume()")
        assert replica_caught_up(primary=primary, replica=standby, wait_seconds=10)
        assert _run(standby, "SELECT count(*) FROM erasures") == (1,)


def test_a_promoted_standby_is_not_read(standby_pair, django_db_blocker, caplog):
    # Promoted, it replays nothing and takes writes of its own: it no longer follows the primary.
    primary, standby = standby_pair
    with django_db_blocker.unblock(), caplog.at_level(logging.ERROR, logger="common.replica"):
        _run(standby, "SELECT pg_promote(true, 30)")
        assert _run(standby, "SELECT pg_is_in_recovery()") == (False,)
        assert not replica_caught_up(primary=primary, replica=standby, wait_seconds=1)
    assert "not a standby of the primary" in caplog.text


def _wait_for(connection, sql: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while _run(connection, sql) != (True,):
        assert time.monotonic() < deadline, sql
        time.sleep(0.05)
