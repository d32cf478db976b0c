"""French default texts written with a straight apostrophe get the typographic one (’), as the rest of the
French catalogue does; a text a supervisor has changed since is left as written. (The names of the
newsletter topic and the app channel: 0016.)

The "how we use AI" statement is not rewritten: a published notice version is what customers were shown,
so a new wording is a new version, published by a supervisor.
"""

from django.db import migrations

# (field, old, new) per topic code: only the texts that held a straight apostrophe.
TOPIC_EXAMPLES_FR = {
    "security": [(
        "example_body_fr",
        "Bonjour, votre compte a été ouvert depuis un nouvel appareil (Firefox, Lyon) le 3 mars à 21 h 14. "
        "Si c'était bien vous, vous n'avez rien à faire\u00a0; sinon, changez votre mot de passe.",
        "Bonjour, votre compte a été ouvert depuis un nouvel appareil (Firefox, Lyon) le 3 mars à 21 h 14. "
        "Si c’était bien vous, vous n’avez rien à faire\u00a0; sinon, changez votre mot de passe.",
    )],
    "offers": [(
        "example_body_fr",
        "Bonjour, jusqu'au 30 avril, profitez de 20\u00a0% de réduction sur votre prochain abonnement.",
        "Bonjour, jusqu’au 30 avril, profitez de 20\u00a0% de réduction sur votre prochain abonnement.",
    )],
    "newsletter": [
        ("example_subject_fr", "Les nouveautés d'avril", "Les nouveautés d’avril"),
        (
            "example_body_fr",
            "Bonjour, ce mois-ci\u00a0: un nouveau service de rendez-vous en ligne et nos horaires d'été.",
            "Bonjour, ce mois-ci\u00a0: un nouveau service de rendez-vous en ligne et nos horaires d’été.",
        ),
    ],
    "surveys": [(
        "example_body_fr",
        "Bonjour, trois questions, deux minutes\u00a0: comment s'est passé votre rendez-vous du 12 mars\u00a0?",
        "Bonjour, trois questions, deux minutes\u00a0: comment s’est passé votre rendez-vous du 12 mars\u00a0?",
    )],
}


def _apply(apps, *, forwards: bool) -> None:
    Topic = apps.get_model("preferences", "Topic")
    for code, changes in TOPIC_EXAMPLES_FR.items():
        for field, old, new in changes:
            before, after = (old, new) if forwards else (new, old)
            Topic.objects.filter(code=code, **{field: before}).update(**{field: after})


def apostrophes_typographic(apps, schema_editor):
    _apply(apps, forwards=True)


def apostrophes_straight(apps, schema_editor):
    _apply(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("preferences", "0016_catalog_names_typographic_apostrophe")]
    operations = [migrations.RunPython(apostrophes_typographic, apostrophes_straight)]
