"""On PostgreSQL, the ledger's trigger (preferences/0002) now lets erasure pseudonymise events.

Still refused: every DELETE and TRUNCATE, and every UPDATE outside an erasure. Inside an erasure
(the transaction ran `SET LOCAL portal.erasure = 'on'`, as privacy.services.customer_erase does) an
UPDATE may only *remove* personal values: set the contact-point values of `contact_point.*` events
to NULL, and blank the truncated IP, user agent, reason and evidence. Every other column must stay
as it was, so that what changed, when, by which kind of actor and through what can never be altered.
(This guards against mistakes and tampering by the application; a database superuser can always
drop a trigger.)
"""

from django.db import migrations

ERASURE_ALLOWED = """
CREATE OR REPLACE FUNCTION preferences_consentevent_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('portal.erasure', true) = 'on'
       AND NEW.id = OLD.id
       AND NEW.customer_id = OLD.customer_id
       AND NEW.occurred_at = OLD.occurred_at
       AND NEW.key = OLD.key
       AND NEW.actor_type = OLD.actor_type
       AND NEW.actor_id = OLD.actor_id
       AND NEW.source = OLD.source
       AND NEW.reason_code = OLD.reason_code
       AND NEW.privacy_notice_version IS NOT DISTINCT FROM OLD.privacy_notice_version
       AND NEW.ai_statement_version IS NOT DISTINCT FROM OLD.ai_statement_version
       AND (NEW.old_value IS NOT DISTINCT FROM OLD.old_value OR (NEW.old_value IS NULL AND OLD.key LIKE 'contact_point.%'))
       AND (NEW.new_value IS NOT DISTINCT FROM OLD.new_value OR (NEW.new_value IS NULL AND OLD.key LIKE 'contact_point.%'))
       AND (NEW.ip_truncated = OLD.ip_truncated OR NEW.ip_truncated = '')
       AND (NEW.user_agent = OLD.user_agent OR NEW.user_agent = '')
       AND (NEW.reason = OLD.reason OR NEW.reason = '')
       AND (NEW.evidence = OLD.evidence OR NEW.evidence = '')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# The function as preferences/0002 created it.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION preferences_consentevent_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ERASURE_ALLOWED, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("preferences", "0002_consent_event_immutable"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
