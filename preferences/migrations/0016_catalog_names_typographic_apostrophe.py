"""The French names of the newsletter topic and the app channel take the typographic apostrophe (’), as
every French text of the site does. Only a name still at its old default changes: one a supervisor
wrote in the admin stays as they wrote it."""

from django.db import migrations

# (model, code, old default, new default)
RENAMES = [
    ("Topic", "newsletter", "Lettre d'information", "Lettre d’information"),
    ("Channel", "app", "Notifications de l'application", "Notifications de l’application"),
]


def names_forwards(apps, schema_editor):
    for model, code, old, new in RENAMES:
        apps.get_model("preferences", model).objects.filter(code=code, name_fr=old).update(name_fr=new)


def names_backwards(apps, schema_editor):
    for model, code, old, new in RENAMES:
        apps.get_model("preferences", model).objects.filter(code=code, name_fr=new).update(name_fr=old)


class Migration(migrations.Migration):

    dependencies = [
        ("preferences", "0015_topic_default_channels_may_be_empty"),
    ]

    operations = [migrations.RunPython(names_forwards, names_backwards)]
