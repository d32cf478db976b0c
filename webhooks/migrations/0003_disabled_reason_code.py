"""Endpoint disable reasons become codes (rendered in each reader's language), and so does the one
delivery error the portal decides itself. Rows written before keep their meaning: the sentences they
hold, in French or English, are turned into the codes."""

from django.db import migrations, models

LEGACY_REASONS = (
    ("410", "gone"),
    ("propriétaire", "owner"),
    ("owner", "owner"),
    ("superviseur", "supervisor"),
    ("supervisor", "supervisor"),
)
LEGACY_DELIVERY_ERRORS = (
    "The endpoint is disabled.",
    "The endpoint was disabled.",
    "Le point de terminaison est désactivé.",
    "Le point de terminaison a été désactivé.",
)


def sentences_to_codes(apps, schema_editor):
    endpoint_model = apps.get_model("webhooks", "WebhookEndpoint")
    codes = {"", "gone", "owner", "supervisor"}
    for endpoint in endpoint_model.objects.exclude(disabled_reason__in=codes).only("pk", "disabled_reason"):
        text = endpoint.disabled_reason.lower()
        # Whatever cannot be told apart was most likely the receiver's 410 (the automatic case).
        code = next((code for marker, code in LEGACY_REASONS if marker in text), "gone")
        endpoint_model.objects.filter(pk=endpoint.pk).update(disabled_reason=code)
    delivery_model = apps.get_model("webhooks", "WebhookDelivery")
    delivery_model.objects.filter(last_error__in=LEGACY_DELIVERY_ERRORS).update(last_error="endpoint_disabled")


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0002_outboxevent_outbox_customer_idx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="disabled_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("gone", "The receiver answered 410 Gone."),
                    ("owner", "Disabled by its owner."),
                    ("supervisor", "Disabled by a supervisor."),
                ],
                max_length=300,
                verbose_name="why disabled",
            ),
        ),
        migrations.RunPython(sentences_to_codes, migrations.RunPython.noop),
    ]
