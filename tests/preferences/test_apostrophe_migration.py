"""Databases made before the French defaults took the typographic apostrophe get it when they migrate,
except where a supervisor has written their own text."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("preferences", "0015_topic_default_channels_may_be_empty"), ("support", "0002_reason_code_defaults")]
AFTER = [("preferences", "0017_french_typographic_apostrophes"), ("support", "0003_reason_code_french_apostrophe")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_stored_french_defaults_take_the_typographic_apostrophe_unless_reworded():
    try:
        old_apps = _migrate(BEFORE)
        old_apps.get_model("preferences", "Channel").objects.filter(code="app").update(
            name_fr="Notifications de l'application"
        )
        topic = old_apps.get_model("preferences", "Topic").objects
        topic.filter(code="newsletter").update(example_subject_fr="Les nouveautés d'avril")
        topic.filter(code="offers").update(example_body_fr="Bonjour, jusqu'au 31 mai, -30 %.")  # a supervisor's
        old_apps.get_model("support", "ReasonCode").objects.filter(code="error_correction").update(
            label_fr="Correction d'une erreur"
        )
        new_apps = _migrate(AFTER)
        assert new_apps.get_model("preferences", "Channel").objects.get(code="app").name_fr == (
            "Notifications de l’application"
        )
        topics = {row.code: row for row in new_apps.get_model("preferences", "Topic").objects.all()}
        assert topics["newsletter"].example_subject_fr == "Les nouveautés d’avril"
        assert topics["surveys"].example_body_fr.startswith("Bonjour, trois questions, deux minutes\u00a0: comment s’est")
        assert topics["offers"].example_body_fr == "Bonjour, jusqu'au 31 mai, -30 %."
        assert new_apps.get_model("support", "ReasonCode").objects.get(code="error_correction").label_fr == (
            "Correction d’une erreur"
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
