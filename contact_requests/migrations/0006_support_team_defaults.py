from datetime import time

from django.db import migrations

# Starting values (Monday to Friday, 9:00–18:00, Paris time); supervisors change them in the admin.


def forwards(apps, schema_editor):
    SupportTeam = apps.get_model("contact_requests", "SupportTeam")
    OpeningPeriod = apps.get_model("contact_requests", "OpeningPeriod")
    if SupportTeam.objects.exists():
        return
    team = SupportTeam.objects.create(time_zone="Europe/Paris", closed_on_public_holidays=True)
    OpeningPeriod.objects.bulk_create(
        [OpeningPeriod(team=team, weekday=day, opens=time(9), closes=time(18)) for day in range(5)]
    )


class Migration(migrations.Migration):
    dependencies = [("contact_requests", "0005_scheduling_team_hours_and_changes")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
