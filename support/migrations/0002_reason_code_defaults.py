from django.db import migrations

# Starting values; supervisors change them in the admin.
DEFAULTS = [
    ("customer_call", "Demande du client par téléphone", "Customer's request by phone", 1),
    ("customer_email", "Demande du client par e-mail", "Customer's request by email", 2),
    ("customer_letter", "Demande du client par courrier", "Customer's request by letter", 3),
    ("error_correction", "Correction d’une erreur", "Correcting an error", 4),
    ("legal_request", "Demande légale ou réglementaire", "Legal or regulatory request", 5),
]


def forwards(apps, schema_editor):
    ReasonCode = apps.get_model("support", "ReasonCode")
    for code, label_fr, label_en, order in DEFAULTS:
        ReasonCode.objects.get_or_create(code=code, defaults={"label_fr": label_fr, "label_en": label_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
