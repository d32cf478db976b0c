"""The ledger stays append-only even against the application's own database role, on PostgreSQL.

The deployment of docs/database-roles.md, for real: an owner role owns the tables (it runs `migrate`
and `manage.py database_grants`), and the application connects as a plain role with grants only. That
role's normal writes work — sign-up, preference changes, a staff override, an API change, an import
with COPY, an erasure, purges and sign-out — while it cannot disable or drop the ledger's trigger,
replace its function, switch triggers off for its session, nor UPDATE, DELETE or TRUNCATE the ledger.
Both roles are created on the local trust-auth server for the test and dropped after it.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.utils import load_backend
from django.test import Client

from api.services import api_client_create
from preferences.changes import preferences_change
from preferences.customers_import import customers_import
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.management.commands.database_grants import LEDGER_TABLE
from preferences.models import ConsentEvent, Customer
from privacy.services import customer_erase, data_exports_purge
from support.services import customer_override_apply
from tests.conftest import make_customer_user, make_staff_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles and grants: set DATABASE_URL to PostgreSQL"),
]

TRIGGERS = ("preferences_consentevent_no_update_delete", "preferences_consentevent_no_truncate")


def _execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _role_drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            return
        quoted = connection.ops.quote_name(name)
        cursor.execute(f"REASSIGN OWNED BY {quoted} TO CURRENT_USER")  # objects of this database only
        cursor.execute(f"DROP OWNED BY {quoted}")  # and the privileges granted to it here
        cursor.execute(f"DROP ROLE {quoted}")


@contextmanager
def connected_as(role: str) -> Iterator[None]:
    """The application's default connection, as `role`, in this thread, until the block ends."""
    original = connections["default"]
    settings_dict = {**original.settings_dict, "USER": role, "PASSWORD": ""}
    as_role = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    connections["default"] = as_role
    try:
        yield
    finally:
        as_role.close()
        connections["default"] = original


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    """(owner, app): the owner owns every project table; the app role has the grants of database_grants."""
    owner, app = f"portal_owner_t{os.getpid()}", f"portal_app_t{os.getpid()}"
    for name in (app, owner):
        _role_drop(name)
    quote = connection.ops.quote_name
    _execute(f"CREATE ROLE {quote(owner)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    _execute(f"CREATE ROLE {quote(app)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
    with connection.cursor() as cursor:
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        for table in [*tables, "django_migrations"]:
            cursor.execute(f"ALTER TABLE {quote(table)} OWNER TO {quote(owner)}")  # its sequences follow
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quote(owner)}")
    try:
        with connected_as(owner):
            call_command("database_grants", app, verbosity=0)
        yield owner, app
    finally:
        connections.close_all()
        for name in (app, owner):
            _role_drop(name)


def _refused(sql: str, params=None, *, match: str, erasure: bool = False) -> None:
    """The statement fails with `match`; had it succeeded, it is rolled back all the same."""
    with transaction.atomic():
        with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
            if erasure:
                cursor.execute("SET LOCAL portal.erasure = 'on'")
            cursor.execute(sql, params)
        transaction.set_rollback(True)


def test_the_app_role_writes_normally_but_cannot_touch_the_ledger(roles):
    _owner, app = roles
    context = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
    with connected_as(app):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app
        # Its normal writes.
        user, customer = make_customer_user()
        staff = make_staff_user("agent@example.com", "agent")
        preferences_change(customer_id=customer.pk, changes={"subscription.newsletter.email": "in"}, context=context)
        customer_override_apply(
            customer_id=customer.pk, changes={"customer.large_print": True}, staff_user=staff,
            reason_code="customer_call", reason="Asked on the phone.",
        )
        _client, key = api_client_create(name="crm", scopes=["customers:read", "customers:write"])
        api = Client()
        version = Customer.objects.get(pk=customer.pk).version
        patched = api.patch(
            f"/api/v1/customers/{customer.pk}", json.dumps({"changes": {"customer.plain_text_email": True}}),
            content_type="application/json", headers={"Authorization": f"Bearer {key}", "If-Match": f'"{version}"'},
        )
        assert patched.status_code == 200, patched.content
        imported = customers_import(
            context=ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7"),
            items=[{"external_id": f"CRM-{index}", "email": f"p{index}@example.org", "email_verified": True} for index in (1, 2)],
        )
        assert [result.created for result in imported] == [True, True]
        site = Client()
        site.force_login(user)
        assert site.get("/my/topics/").status_code == 200
        site.post("/accounts/logout/")  # deletes the session row
        data_exports_purge()
        erased_customer = imported[0].customer
        customer_erase(customer_id=erased_customer.pk, requested_by_type="customer")
        assert ConsentEvent.objects.filter(customer_id=erased_customer.pk, key__startswith="contact_point.", new_value__isnull=False).count() == 0
        events = ConsentEvent.objects.filter(customer_id=customer.pk).count()
        assert events > 3
        event_id = ConsentEvent.objects.filter(customer_id=customer.pk).values_list("id", flat=True).first()

        # What it cannot do to the ledger.
        for trigger in (*TRIGGERS, "ALL", "USER"):
            _refused(f"ALTER TABLE preferences_consentevent DISABLE TRIGGER {trigger}", match="must be owner")
        _refused(f"DROP TRIGGER {TRIGGERS[0]} ON preferences_consentevent", match="must be owner")
        _refused("DROP TABLE preferences_consentevent", match="must be owner")
        _refused(
            "CREATE OR REPLACE FUNCTION preferences_consentevent_immutable() RETURNS trigger"
            " AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
            match="must be owner|permission denied for schema",  # no CREATE on the schema either
        )
        _refused("SET session_replication_role = replica", match="permission denied")
        _refused("UPDATE preferences_consentevent SET key = 'tampered' WHERE id = %s", [event_id], match="permission denied")
        _refused("UPDATE preferences_consentevent SET reason = 'tampered' WHERE id = %s", [event_id], match="append-only")
        _refused("UPDATE preferences_consentevent SET reason = 'tampered' WHERE id = %s", [event_id], match="append-only", erasure=True)
        _refused("DELETE FROM preferences_consentevent WHERE id = %s", [event_id], match="permission denied")
        # The test database switches the TRUNCATE trigger off (tests/conftest.py): the grant alone refuses it.
        _refused("TRUNCATE preferences_consentevent CASCADE", match="permission denied")
        # A role cannot grant itself more: PostgreSQL only warns "no privileges were granted" (checked below).
        _execute(f"GRANT DELETE, TRUNCATE, UPDATE ON preferences_consentevent TO {connection.ops.quote_name(app)}")
        assert ConsentEvent.objects.filter(customer_id=customer.pk).count() == events
    # Seen by the owner side: the row trigger is still on, the events are all there.
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [TRIGGERS[0]])
        assert cursor.fetchone()[0] == "O"
        cursor.execute(
            "SELECT has_table_privilege(%s, %s, 'UPDATE'), has_table_privilege(%s, %s, 'DELETE'),"
            " has_table_privilege(%s, %s, 'TRUNCATE'), has_column_privilege(%s, %s, 'key', 'UPDATE')",
            [app, LEDGER_TABLE] * 4,
        )
        assert cursor.fetchone() == (False, False, False, False)


def test_the_grants_command_refuses_a_role_that_could_undo_the_ledger(roles):
    owner, app = roles
    from django.core.management.base import CommandError

    with connected_as(owner), pytest.raises(CommandError, match="owns"):
        call_command("database_grants", owner, verbosity=0)
    with pytest.raises(CommandError, match="superuser"):
        call_command("database_grants", connection.settings_dict["USER"], verbosity=0)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("database_grants", "nobody_such_role", verbosity=0)


def test_the_grants_can_be_printed_for_an_administrator(roles, capsys):
    _owner, app = roles
    call_command("database_grants", app, sql=True)
    printed = capsys.readouterr().out
    assert printed.startswith("BEGIN;") and printed.rstrip().endswith("COMMIT;")
    assert f'GRANT SELECT, INSERT ON TABLE "{LEDGER_TABLE}" TO "{app}";' in printed
    assert f'GRANT UPDATE ("old_value", "new_value", "ip_truncated", "user_agent", "reason", "evidence") ON TABLE "{LEDGER_TABLE}"' in printed
    assert f'DELETE ON TABLE "{LEDGER_TABLE}"' not in printed
