"""The admin reads in the staff member's language: every app and model name is translatable."""

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from tests.conftest import make_staff_user


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("fr", ["Préférences", "Canaux", "Événements de consentement", "Demandes de contact avec une personne"],
         ["PREFERENCES", ">Channels<", "Consent events"]),
        ("en", ["Preferences", "Channels", "Consent events", "Human-contact requests"], ["Préférences"]),
    ],
)
def test_the_admin_index_names_apps_and_models_in_the_staff_language(client, db, language, expected, absent):
    supervisor = make_staff_user("boss@example.com", "supervisor")
    client.force_login(supervisor)
    client.cookies["django_language"] = language
    page = client.get("/admin/").content.decode()
    for text in expected:
        assert text in page, text
    for text in absent:
        assert text not in page, text


# Words spelled the same in both languages.
SAME_IN_BOTH = {"Notifications", "Webhooks"}


def test_every_project_app_and_model_name_has_a_french_translation():
    project_apps = [
        config
        for config in apps.get_app_configs()
        if config.path.startswith(str(settings.BASE_DIR)) and "site-packages" not in config.path  # not .venv/
    ]
    assert len(project_apps) > 10
    untranslated = []
    for config in project_apps:
        names = [("app", config.name, lambda config=config: str(config.verbose_name))]
        for model in config.get_models():
            names.append(("model", model.__name__, lambda model=model: str(model._meta.verbose_name)))
            names.append(("model", model.__name__, lambda model=model: str(model._meta.verbose_name_plural)))
        for kind, name, read in names:
            with translation.override("en"):
                english = read()
            with translation.override("fr"):
                french = read()
            if french == english and english not in SAME_IN_BOTH:
                untranslated.append(f"{kind} {config.name}.{name}: {english}")
    assert not untranslated
