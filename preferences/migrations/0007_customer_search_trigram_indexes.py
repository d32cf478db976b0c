"""Trigram indexes for the console's search by any part of a name, email, phone or external id.

PostgreSQL only: `icontains` there is `UPPER(col) LIKE UPPER('%…%')`, which a GIN index of
`UPPER(col) gin_trgm_ops` serves. Built CONCURRENTLY (so a large customer table stays writable),
hence a non-atomic migration. On SQLite every operation here does nothing, forwards and backwards
(each checks the vendor), and the indexes stay out of the model state so that no later SQLite table
rebuild tries to create a GIN index."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """pg_trgm on PostgreSQL; nothing elsewhere (Django's own check skips only the forwards step)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddTrigramIndexOnPostgreSQL(AddIndexConcurrently):
    """AddIndexConcurrently on PostgreSQL, nothing elsewhere; not part of the model state."""

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def trigram_index(model_name: str, field: str, name: str) -> AddTrigramIndexOnPostgreSQL:
    return AddTrigramIndexOnPostgreSQL(
        model_name=model_name, index=GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("preferences", "0006_suppression_entry_from_privacy")]

    operations = [
        TrigramExtensionOnPostgreSQL(),
        trigram_index("customer", "first_name", "customer_first_name_trgm"),
        trigram_index("customer", "last_name", "customer_last_name_trgm"),
        trigram_index("customer", "external_id", "customer_external_id_trgm"),
        trigram_index("contactpoint", "value", "contact_point_value_trgm"),
    ]
