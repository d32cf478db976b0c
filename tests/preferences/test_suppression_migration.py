"""The suppression list moved from privacy to preferences without touching its table: a row written
under the schema of before the move is read through the core's model after migrating forward."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("privacy", "0003_requested_by_api_client"), ("preferences", "0005_consent_event_version")]
AFTER = [("privacy", "0004_suppression_entry_to_preferences"), ("preferences", "0006_suppression_entry_from_privacy")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_suppression_entry_written_before_the_move_is_read_through_the_core_model():
    try:
        old_apps = _migrate(BEFORE)
        old_apps.get_model("privacy", "SuppressionEntry").objects.create(kind="email", identity_hash="a" * 64)
        new_apps = _migrate(AFTER)
        moved = new_apps.get_model("preferences", "SuppressionEntry")
        assert list(moved.objects.values_list("kind", "identity_hash")) == [("email", "a" * 64)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    from preferences.models import SuppressionEntry

    assert SuppressionEntry._meta.db_table == "privacy_suppressionentry"
    assert SuppressionEntry.objects.get(identity_hash="a" * 64).kind == "email"
