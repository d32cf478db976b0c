"""The default reason "Correction d'une erreur" gets the typographic apostrophe (’) of the rest of the French
catalogue, unless a supervisor has reworded it since."""

from django.db import migrations

OLD, NEW = "Correction d'une erreur", "Correction d’une erreur"


def apostrophe_typographic(apps, schema_editor):
    apps.get_model("support", "ReasonCode").objects.filter(code="error_correction", label_fr=OLD).update(label_fr=NEW)


def apostrophe_straight(apps, schema_editor):
    apps.get_model("support", "ReasonCode").objects.filter(code="error_correction", label_fr=NEW).update(label_fr=OLD)


class Migration(migrations.Migration):
    dependencies = [("support", "0002_reason_code_defaults")]
    operations = [migrations.RunPython(apostrophe_typographic, apostrophe_straight)]
