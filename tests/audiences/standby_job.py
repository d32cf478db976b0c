"""Run by test_real_standby.py in a process of its own, whose DATABASE_URL names a primary and
DATABASE_REPLICA_URL a real hot standby streaming from it: migrates, makes customers through the services,
then asks for the same offers audience through the API (chunks run eagerly) three times, each right after
a change:
- `replaying`: the standby replays as it comes;
- `cancelled`: the standby cancels the first chunk's read, as it does a query that holds back its replay
  (a conflict with recovery, here on a table lock: see _first_read_cancelled);
- `paused`: the standby's replay is paused, so it lags.
Prints one JSON object: per run, where each chunk read, the file's lines and the single plans read on the
primary."""

import json
import os
import sys
import threading
import time
from contextlib import contextmanager, nullcontext

import psycopg

RUNS = (("replaying", "out"), ("cancelled", "in"), ("paused", "out"))  # and the offers email chosen before it


def _value(connection: psycopg.Connection, sql: str):
    return connection.execute(sql).fetchone()[0]


def _until(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def _chunk_waiting(standby: psycopg.Connection) -> bool:
    """Whether a chunk's statement waits for a lock on the standby."""
    return _value(
        standby, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DECLARE%'"
    ) > 0


@contextmanager
def _first_read_cancelled(primary_url: str, standby_url: str, outcome: dict):
    """While the block runs, the standby cancels the first chunk's read. The primary holds an exclusive lock
    on the subscriptions, which the standby's replay holds too; the chunk's statement takes the customers'
    lock, then waits for the subscriptions'. The primary then locks the customers: replaying that lock
    waits for the chunk's statement, which waits for the replay, and the standby cancels the statement
    (its log: "deadlock detected"). Then the subscriptions are let go, so that the primary, which the chunk
    reads next, answers."""
    holder = psycopg.connect(primary_url)
    holder.execute("LOCK TABLE preferences_subscription IN ACCESS EXCLUSIVE MODE")

    def cancel() -> None:
        try:
            with psycopg.connect(standby_url, autocommit=True) as standby, \
                    psycopg.connect(primary_url, autocommit=True) as primary:
                _until(lambda: _chunk_waiting(standby), "a chunk waiting on the standby")
                with primary.transaction():
                    primary.execute("LOCK TABLE preferences_customer IN ACCESS EXCLUSIVE MODE")
                # Only the standby's cancelling it ends the wait: the subscriptions are still held.
                _until(lambda: not _chunk_waiting(standby), "the standby cancelling the chunk's read")
                outcome["cancelled"] = True
        except Exception as error:  # said in the report; the holder is let go below whatever happened
            outcome["error"] = repr(error)
        finally:
            holder.rollback()

    thread = threading.Thread(target=cancel)
    thread.start()
    try:
        yield
    finally:
        thread.join(timeout=60)
        holder.close()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    # Imported once Django is set up: models, settings and the tests' helpers need it.
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from api.models import Scope
    from api.services import api_client_create
    from audiences import chunks
    from preferences.changes import preferences_change
    from preferences.domain import ActorType, Source
    from preferences.ledger import ChangeContext
    from tests.api.conftest import Api
    from tests.audiences.conftest import AT, URL, download, file_lines, make_population, single_plans

    primary_url, standby_url = os.environ["DATABASE_URL"], os.environ["DATABASE_REPLICA_URL"]
    setup_test_environment()
    call_command("migrate", verbosity=0)
    settings.AUDIENCE_CHUNK_CUSTOMERS = 7
    read_from: list[str] = []
    documents_range = chunks.preference_documents_range

    def recorded(**arguments):
        read_from.append(arguments["using"])
        return documents_range(**arguments)

    chunks.preference_documents_range = recorded
    _client, key = api_client_create(name="standby", scopes=list(Scope.values))
    api = Api(Client(), key)
    customers = make_population(20)
    changed = customers[8]  # email verified, offers by email in: allowed until it opts out
    with psycopg.connect(standby_url, autocommit=True) as standby:
        report = {"standby_in_recovery": _value(standby, "SELECT pg_is_in_recovery()"), "runs": {}}
    for run, offers_email in RUNS:
        outcome: dict = {}
        settings.REPLICA_MAX_WAIT_SECONDS = 0.5 if run == "paused" else 10
        if run == "paused":
            with psycopg.connect(standby_url, autocommit=True) as standby:
                standby.execute("SELECT pg_wal_replay_pause()")
                _until(lambda: _value(standby, "SELECT pg_get_wal_replay_pause_state()") == "paused", "paused")
        # Committed just before the audience is asked for: the file must show it, wherever it was read.
        preferences_change(
            customer_id=changed.pk,
            changes={"subscription.offers.email": offers_email},
            context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
        )
        read_from.clear()
        cancelling = _first_read_cancelled(primary_url, standby_url, outcome) if run == "cancelled" else None
        with cancelling or nullcontext():
            response = api.post(URL, {"topic": "offers", "ai_generated": True, "at": AT, "include": "all"})
        if run == "paused":
            with psycopg.connect(standby_url, autocommit=True) as standby:
                standby.execute("SELECT pg_wal_replay_resume()")
        job = api.get(response["Location"]).json()
        report["runs"][run] = {
            "status": job["status"],
            "read_from": list(read_from),
            "lines": file_lines(download(api, job["downloads"]["ndjson"])) if job["status"] == "ready" else [],
            "single_plans": single_plans(api, customers, "offers"),
            "changed_id": changed.pk,
            **outcome,
        }
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
