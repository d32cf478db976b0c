"""The index of GET /api/v1/customers?updated_after=, built without blocking writes on PostgreSQL."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (a million customers keep being written meanwhile); a
    plain CREATE INDEX on the other databases, which have no such option."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("preferences", "0007_customer_search_trigram_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="customer",
            index=models.Index(fields=["updated_at"], name="customer_updated_idx"),
        ),
    ]
