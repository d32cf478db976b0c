"""OutboxEvent now belongs to the outbox app (outbox 0001), in the same table: deliveries point at it
there, and the model leaves this app's state. Nothing changes in the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("webhooks", "0003_disabled_reason_code"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="event",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="outbox.outboxevent",
                        verbose_name="event",
                    ),
                ),
                migrations.DeleteModel(name="OutboxEvent"),
            ],
            database_operations=[],
        ),
    ]
