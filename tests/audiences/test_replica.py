"""Audience chunks read the read replica (DATABASE_REPLICA_URL) once it has caught up with the primary,
and the primary when it lags, cannot be reached or is not a standby of this primary: the file is the
single plans either way. The replica here is the test database under a second connection (a standby
needs its own server); what a lagging standby answers is given to the chunk by hand."""

import logging
import subprocess
import sys

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from audiences import chunks
from audiences.chunks import audience_chunk_run
from audiences.models import AudienceChunk
from common import replica
from common.replica import REPLICA, replica_read_alias
from tests.audiences.conftest import AT, URL, download, file_lines, make_population, report_sends, single_plans

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="A read replica is PostgreSQL's: set DATABASE_URL to run it."
)


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """The alias `replica` as the test database under a second connection, for this module's tests
    (declared before their test case is set up, so that they may name it in `databases`)."""
    if connection.vendor != "postgresql":
        yield None
        return
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    given = {**default, "TEST": {**default["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}  # never flushed on its own
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(connections.settings, REPLICA, given)  # settings.DATABASES too: the same dictionary
        yield given
        connections[REPLICA].close()
        del connections[REPLICA]


@pytest.fixture
def replica_at(replica_alias):
    """replica_at(**changes): the replica's connection settings changed (another port, another database)
    for one test; its connection opened anew."""
    kept = dict(replica_alias)

    def change(**changes):
        connections[REPLICA].close()
        replica_alias.update(changes)

    yield change
    connections[REPLICA].close()
    replica_alias.clear()
    replica_alias.update(kept)


def _run_audience(api):
    response = api.post(URL, {"topic": "offers", "ai_generated": True, "at": AT, "include": "all"})
    assert response.status_code == 202, response.content
    for chunk in AudienceChunk.objects.filter(job_id=response.json()["id"]):
        audience_chunk_run(chunk_id=chunk.pk)
    job = api.get(response["Location"]).json()
    assert job["status"] == "ready", job
    return file_lines(download(api, job["downloads"]["ndjson"]))


def _read_documents(queries) -> bool:
    """Whether these statements include an audience chunk's reads: its customers and their sends."""
    sql = " ".join(query["sql"] for query in queries)
    return "preferences_customer" in sql and "api_send" in sql


@pytest.fixture
def base(make_api, settings):
    settings.AUDIENCE_CHUNK_CUSTOMERS = 5
    api, client = make_api()
    customers = make_population(12)
    report_sends(client, customers[4::8])  # a weekly cap reached: the sends are read where the customers are
    return api, customers


# The replica's connection sees only what is committed: transactional tests.
ON_REPLICA = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


@POSTGRESQL_ONLY
@ON_REPLICA
def test_chunks_read_the_replica_once_it_has_caught_up(base):
    api, customers = base
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, CaptureQueriesContext(connection) as on_primary:
        lines = _run_audience(api)
    assert _read_documents(on_replica.captured_queries)
    assert not _read_documents(on_primary.captured_queries)  # the primary: leases, progress, the file
    assert not any(query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT")) for query in on_replica)
    assert lines == single_plans(api, customers, "offers")


@POSTGRESQL_ONLY
@ON_REPLICA
def test_a_replica_behind_the_primary_is_waited_for_then_left_for_the_primary(base, monkeypatch, settings, caplog):
    api, customers = base
    settings.REPLICA_MAX_WAIT_SECONDS = 0.2
    asked = []
    real_status = replica._replica_status

    def lagging(replica_connection, target):  # what a standby that has not replayed the last writes answers
        asked.append(target)
        _in_recovery, _replayed, identity = real_status(replica_connection, target)
        return True, False, identity

    monkeypatch.setattr(replica, "_replica_status", lagging)
    with caplog.at_level(logging.WARNING, logger="common.replica"), CaptureQueriesContext(connection) as on_primary:
        lines = _run_audience(api)
    assert len(asked) >= 2 * AudienceChunk.objects.count()  # asked again while waiting, for every chunk
    assert "more than 0.2 s behind the primary" in caplog.text
    assert _read_documents(on_primary.captured_queries)
    assert lines == single_plans(api, customers, "offers")


@POSTGRESQL_ONLY
@ON_REPLICA
def test_a_replica_that_cannot_be_reached_is_left_for_the_primary(base, replica_at, caplog):
    api, customers = base
    replica_at(PORT="1", OPTIONS={**connections[DEFAULT_DB_ALIAS].settings_dict["OPTIONS"], "connect_timeout": 2})
    with caplog.at_level(logging.WARNING, logger="common.replica"):
        lines = _run_audience(api)
    assert "The read replica cannot be reached" in caplog.text
    assert lines == single_plans(api, customers, "offers")


@POSTGRESQL_ONLY
@ON_REPLICA
def test_a_server_that_is_not_a_standby_of_the_primary_is_never_read(base, replica_at, caplog):
    # Another database (here `postgres`, on the same server) replays nothing and is not the primary: a
    # promoted standby, or a wrong URL. Reading it would give customers as some other database has them.
    api, customers = base
    replica_at(NAME="postgres")
    with caplog.at_level(logging.ERROR, logger="common.replica"):
        assert replica_read_alias() == DEFAULT_DB_ALIAS
        lines = _run_audience(api)
    assert "not a standby of the primary" in caplog.text
    assert lines == single_plans(api, customers, "offers")


# What a hot standby answers a query that holds back its replay longer than max_standby_streaming_delay.
RECOVERY_CONFLICT = (
    "DO $$ BEGIN RAISE EXCEPTION 'canceling statement due to conflict with recovery' "
    "USING ERRCODE = 'serialization_failure', "
    "DETAIL = 'User query might have needed to see row versions that must be removed.'; END $$"
)


@POSTGRESQL_ONLY
@ON_REPLICA
def test_a_chunk_whose_replica_read_fails_midway_reads_the_primary_in_the_same_attempt(base, monkeypatch, caplog):
    api, customers = base
    monkeypatch.setattr(chunks, "BATCH", 2)  # a heartbeat (progress written) before the failure
    real_range = chunks.preference_documents_range
    cancelled, on_primary = [], []

    def cancelled_by_the_standby(**arguments):
        batches = real_range(**arguments)
        if arguments["using"] != REPLICA:
            on_primary.append(arguments["id_from"])
            yield from batches
            return
        yield next(batches)
        cancelled.append(arguments["id_from"])
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(RECOVERY_CONFLICT)

    monkeypatch.setattr(chunks, "preference_documents_range", cancelled_by_the_standby)
    with caplog.at_level(logging.WARNING, logger="audiences.chunks"):
        lines = _run_audience(api)
    chunk_rows = list(AudienceChunk.objects.values_list("id_from", "attempts", "status", "done"))
    assert sorted(cancelled) == sorted(on_primary) == sorted(row[0] for row in chunk_rows)
    assert {row[1:3] for row in chunk_rows} == {(1, AudienceChunk.Status.DONE)}  # no attempt lost, none failed
    assert sum(row[3] for row in chunk_rows) == len(customers)  # each customer counted once, not once a read
    assert caplog.text.count("the read replica failed, reading from the primary") == len(chunk_rows)
    assert "conflict with recovery" in caplog.text
    assert lines == single_plans(api, customers, "offers")


@pytest.mark.django_db
def test_without_a_replica_nothing_is_asked(django_assert_num_queries, monkeypatch, settings):
    monkeypatch.delitem(settings.DATABASES, REPLICA, raising=False)
    with django_assert_num_queries(0):
        assert replica_read_alias() == DEFAULT_DB_ALIAS


def _settings_databases(**environment) -> subprocess.CompletedProcess:
    code = "from portal.settings import base; print(sorted(base.DATABASES), base.DATABASES.get('replica', {}).get('TEST'))"
    env = {"PATH": "/usr/bin:/bin", **environment}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_the_replica_setting_names_a_replica_of_the_postgresql_database():
    both = _settings_databases(
        DATABASE_URL="postgres://app@db.internal/portal", DATABASE_REPLICA_URL="postgres://app@replica.internal/portal"
    )
    assert both.returncode == 0, both.stderr
    assert both.stdout.strip() == "['default', 'replica'] {'MIRROR': 'default'}"
    alone = _settings_databases(DATABASE_REPLICA_URL="postgres://app@replica.internal/portal")
    assert alone.returncode != 0 and "DATABASE_REPLICA_URL is a replica of the PostgreSQL database" in alone.stderr
