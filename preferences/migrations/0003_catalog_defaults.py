"""Every deployment starts with the product's channels, topics and first notices."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    from preferences.catalog_defaults import CHANNELS, NOTICES, TOPICS

    Channel = apps.get_model("preferences", "Channel")
    Topic = apps.get_model("preferences", "Topic")
    Notice = apps.get_model("preferences", "Notice")
    for channel in CHANNELS:
        Channel.objects.get_or_create(code=channel["code"], defaults=channel)
    for topic in TOPICS:
        Topic.objects.get_or_create(code=topic["code"], defaults=topic)
    for notice in NOTICES:
        if not Notice.objects.filter(kind=notice["kind"]).exists():
            Notice.objects.create(version=1, published_at=timezone.now(), **notice)


class Migration(migrations.Migration):
    dependencies = [("preferences", "0002_consent_event_immutable")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
