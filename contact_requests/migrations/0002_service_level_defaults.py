from django.db import migrations

# Starting values; supervisors change them in the admin.
DEFAULTS = [
    {"name": "Standard", "preferred_channel": "", "response_hours": 48},
    {"name": "Phone call", "preferred_channel": "phone", "response_hours": 24},
]


def forwards(apps, schema_editor):
    ServiceLevel = apps.get_model("contact_requests", "ServiceLevel")
    for values in DEFAULTS:
        ServiceLevel.objects.get_or_create(preferred_channel=values["preferred_channel"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("contact_requests", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
