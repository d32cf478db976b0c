"""Times in outbox payloads are written as the API writes them (UTC, `Z`, to the microsecond): the
payload's encoder, and the `erased_at` of the customer.erased events recorded before (written
`…+00:00`), so that a retry or a replay of an old event sends the same form as a new one."""

from datetime import UTC, datetime

import common.times
from django.db import migrations, models


def erased_at_with_z(apps, schema_editor):
    event_model = apps.get_model("outbox", "OutboxEvent")
    changed = []
    for event in event_model.objects.filter(type="customer.erased").only("pk", "payload").iterator():
        erased_at = (event.payload or {}).get("erased_at")
        if not isinstance(erased_at, str) or erased_at.endswith("Z"):
            continue
        try:
            moment = datetime.fromisoformat(erased_at)
        except ValueError:
            continue  # not a time this code wrote: left as it is
        moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        event.payload = {**event.payload, "erased_at": moment.isoformat().removesuffix("+00:00") + "Z"}
        changed.append(event)
    event_model.objects.bulk_update(changed, ["payload"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outboxevent",
            name="payload",
            field=models.JSONField(encoder=common.times.UtcDjangoJSONEncoder, verbose_name="payload"),
        ),
        migrations.RunPython(erased_at_with_z, migrations.RunPython.noop),
    ]
