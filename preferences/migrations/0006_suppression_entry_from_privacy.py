from django.db import migrations, models


class Migration(migrations.Migration):
    """The suppression list moves from the privacy app to the core: only Django's state changes, the
    table privacy_suppressionentry and its rows stay as they are."""

    dependencies = [
        ('preferences', '0005_consent_event_version'),
        ('privacy', '0004_suppression_entry_to_preferences'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SuppressionEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('email', 'email address'), ('phone', 'phone number')], max_length=8)),
                        ('identity_hash', models.CharField(max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name_plural': 'suppression entries',
                        'db_table': 'privacy_suppressionentry',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
