"""OutboxEvent moves here from the webhooks app, keeping its table (webhooks_outboxevent): the model
enters this app's state only; the database is left as it is. webhooks 0004 then points its deliveries'
foreign key here and drops the model from its own state."""

import django.core.serializers.json
import django.db.models.fields.json
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("webhooks", "0003_disabled_reason_code"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "type",
                            models.CharField(
                                choices=[
                                    ("customer.preferences_changed", "A customer's preferences changed"),
                                    ("customer.created", "A customer was created"),
                                    ("customer.erased", "A customer's data was erased"),
                                    ("contact_request.created", "A human-contact request was created"),
                                    ("contact_request.changed", "A human-contact request changed"),
                                ],
                                max_length=60,
                                verbose_name="type",
                            ),
                        ),
                        ("payload", models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="payload")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                        ("fanned_out_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "verbose_name": "outbox event",
                        "verbose_name_plural": "outbox events",
                        "db_table": "webhooks_outboxevent",
                        "ordering": ["pk"],
                        "indexes": [
                            models.Index(condition=models.Q(("fanned_out_at__isnull", True)), fields=["created_at"], name="outbox_pending_idx"),
                            models.Index(django.db.models.fields.json.KeyTransform("customer_id", "payload"), name="outbox_customer_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
