"""Grant the application's PostgreSQL role what it needs, and nothing that could undo the ledger.

Run by the role that owns the tables (the one that runs `migrate`), after every `migrate`:

    DATABASE_URL=postgres://portal_owner@db/portal python manage.py migrate
    DATABASE_URL=postgres://portal_owner@db/portal python manage.py database_grants portal_app

The web processes and workers then connect as `portal_app`. It may read and write every table of the
project, but on the consent ledger it may only read and append (plus blank the personal columns an
erasure pseudonymises, which the ledger's trigger allows only inside an erasure). Not owning the
tables, it cannot disable or drop the trigger, replace its function, or TRUNCATE. docs/database-roles.md
describes the whole deployment; `--sql` prints the statements for a database administrator instead.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from common.db import is_postgresql

LEDGER_TABLE = "preferences_consentevent"
# What privacy.services.customer_erase blanks in the ledger (LEDGER_PSEUDONYMISE_SQL); the trigger of
# privacy/migrations/0002 still refuses any UPDATE outside an erasure and any other change inside one.
LEDGER_ERASABLE_COLUMNS = ("old_value", "new_value", "ip_truncated", "user_agent", "reason", "evidence")
READ_ONLY_TABLES = frozenset({"django_migrations"})


def grants_sql(*, app_role: str, tables: list[str], sequences: list[str]) -> list[str]:
    """The statements, in order: everything revoked first, so that running them again is harmless."""
    role = connection.ops.quote_name(app_role)
    quote = connection.ops.quote_name
    statements = [f"GRANT USAGE ON SCHEMA {quote(_schema())} TO {role}"]
    for table in tables:
        statements.append(f"REVOKE ALL ON TABLE {quote(table)} FROM {role}")
        if table == LEDGER_TABLE:
            columns = ", ".join(quote(column) for column in LEDGER_ERASABLE_COLUMNS)
            statements.append(f"GRANT SELECT, INSERT ON TABLE {quote(table)} TO {role}")
            statements.append(f"GRANT UPDATE ({columns}) ON TABLE {quote(table)} TO {role}")
        elif table in READ_ONLY_TABLES:
            statements.append(f"GRANT SELECT ON TABLE {quote(table)} TO {role}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {quote(table)} TO {role}")
    for sequence in sequences:
        # nextval() for ids drawn ahead of a COPY (preferences.customers_import).
        statements.append(f"REVOKE ALL ON SEQUENCE {quote(sequence)} FROM {role}")
        statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {quote(sequence)} TO {role}")
    return statements


def _schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def _project_tables_and_sequences() -> tuple[list[str], list[str]]:
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
        existing = set(connection.introspection.table_names(cursor))
        tables += sorted(READ_ONLY_TABLES & existing)
        sequences = sorted(
            {sequence["name"] for table in tables for sequence in connection.introspection.get_sequences(cursor, table)}
        )
    return tables, sequences


def _refusal(app_role: str, tables: list[str]) -> str | None:
    """Why these grants would not protect the ledger with this role, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [app_role])
        row = cursor.fetchone()
        if row is None:
            return f"The role {app_role!r} does not exist: create it first (docs/database-roles.md)."
        if row[0]:
            return f"The role {app_role!r} is a superuser: it could drop the ledger's trigger. Use a plain role."
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relname = ANY(%s) AND pg_has_role(%s, c.relowner, 'USAGE')",
            [tables, app_role],
        )
        owned = [name for (name,) in cursor.fetchall()]
    if owned:
        return (
            f"The role {app_role!r} owns (or is a member of the owner of) {', '.join(owned[:5])}: an owner can"
            " disable the ledger's trigger. Run migrate as another role (docs/database-roles.md)."
        )
    return None


class Command(BaseCommand):
    help = "Grant the application's PostgreSQL role read/write access, and append-only access to the ledger."

    def add_arguments(self, parser):
        parser.add_argument("app_role", help="the role the web processes and workers connect as")
        parser.add_argument("--sql", action="store_true", help="print the statements instead of running them")

    def handle(self, *args, app_role: str, sql: bool, **options):
        if not is_postgresql():
            raise CommandError("Database roles and grants exist on PostgreSQL only.")
        tables, sequences = _project_tables_and_sequences()
        if LEDGER_TABLE not in tables:
            raise CommandError("The consent ledger's table is missing: run `migrate` first.")
        statements = grants_sql(app_role=app_role, tables=tables, sequences=sequences)
        if sql:
            self.stdout.write("BEGIN;\n" + "".join(f"{statement};\n" for statement in statements) + "COMMIT;")
            return
        refusal = _refusal(app_role, tables)
        if refusal:
            raise CommandError(refusal)
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"{app_role}: read/write on {len(tables) - 1} tables, read and append only on {LEDGER_TABLE}."
        )
