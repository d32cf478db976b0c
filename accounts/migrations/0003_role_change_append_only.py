"""Role changes are an audit record: on PostgreSQL, the database refuses to update or delete one.
(TRUNCATE is left to tests that flush the database; nothing in the application truncates.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_rolechange_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'role changes are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_rolechange_no_update_delete
    BEFORE UPDATE OR DELETE ON accounts_rolechange
    FOR EACH ROW EXECUTE FUNCTION accounts_rolechange_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_rolechange_no_update_delete ON accounts_rolechange;
DROP FUNCTION IF EXISTS accounts_rolechange_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_role_change")]
    operations = [migrations.RunPython(forwards, backwards)]
