from django.db import migrations


class Migration(migrations.Migration):
    """SuppressionEntry now belongs to preferences (preferences/0006): forget it here without touching
    its table, which the core keeps under the same name."""

    dependencies = [
        ('privacy', '0003_requested_by_api_client'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='SuppressionEntry')],
            database_operations=[],
        ),
    ]
