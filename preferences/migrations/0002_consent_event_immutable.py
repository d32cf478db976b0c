"""On PostgreSQL, the database itself refuses to update or delete a consent event."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION preferences_consentevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER preferences_consentevent_no_update_delete
    BEFORE UPDATE OR DELETE ON preferences_consentevent
    FOR EACH ROW EXECUTE FUNCTION preferences_consentevent_immutable();
CREATE TRIGGER preferences_consentevent_no_truncate
    BEFORE TRUNCATE ON preferences_consentevent
    FOR EACH STATEMENT EXECUTE FUNCTION preferences_consentevent_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS preferences_consentevent_no_truncate ON preferences_consentevent;
DROP TRIGGER IF EXISTS preferences_consentevent_no_update_delete ON preferences_consentevent;
DROP FUNCTION IF EXISTS preferences_consentevent_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("preferences", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
