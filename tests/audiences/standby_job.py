"""Run by test_real_standby.py in a process of its own, whose DATABASE_URL names a primary and
DATABASE_REPLICA_URL a real hot standby streaming from it: migrates, makes customers through the services,
then asks for the same offers audience through the API (chunks run eagerly) twice, each right after a
change: once with the standby replaying, once with its replay paused. Prints one JSON object: per run,
where each chunk read, the file's lines and the single plans read on the primary."""

import json
import os
import sys
import time


def _fetch(cursor, sql: str):
    cursor.execute(sql)
    return cursor.fetchone()[0]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    # Imported once Django is set up: models, settings and the tests' helpers need it.
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
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
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        report = {"standby_in_recovery": cursor.fetchone()[0], "runs": {}}
    for run, offers_email, wait in (("replaying", "out", 10.0), ("paused", "in", 0.5)):
        if run == "paused":
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_pause()")
                while _fetch(cursor, "SELECT pg_get_wal_replay_pause_state()") != "paused":  # asked, not yet done
                    time.sleep(0.02)
        settings.REPLICA_MAX_WAIT_SECONDS = wait
        # Committed just before the audience is asked for: the file must show it, wherever it was read.
        preferences_change(
            customer_id=changed.pk,
            changes={"subscription.offers.email": offers_email},
            context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
        )
        read_from.clear()
        response = api.post(URL, {"topic": "offers", "ai_generated": True, "at": AT, "include": "all"})
        job = api.get(response["Location"]).json()
        report["runs"][run] = {
            "status": job["status"],
            "read_from": list(read_from),
            "lines": file_lines(download(api, job["downloads"]["ndjson"])) if job["status"] == "ready" else [],
            "single_plans": single_plans(api, customers, "offers"),
            "changed_id": changed.pk,
        }
        if run == "paused":
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_resume()")
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
