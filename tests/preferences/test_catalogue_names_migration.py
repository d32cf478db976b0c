"""Migration 0016 gives the default French names of the newsletter topic and the app channel their
typographic apostrophe, and leaves a name a supervisor changed as they wrote it."""

import importlib

import pytest
from django.apps import apps

from preferences.models import Channel, Topic

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("preferences.migrations.0016_catalog_names_typographic_apostrophe")


def test_a_fresh_catalogue_has_the_typographic_apostrophe():
    assert Topic.objects.get(code="newsletter").name_fr == "Lettre d’information"
    assert Channel.objects.get(code="app").name_fr == "Notifications de l’application"


def test_the_old_default_is_updated():
    Topic.objects.filter(code="newsletter").update(name_fr="Lettre d'information")
    Channel.objects.filter(code="app").update(name_fr="Notifications de l'application")
    MIGRATION.names_forwards(apps, None)
    assert Topic.objects.get(code="newsletter").name_fr == "Lettre d’information"
    assert Channel.objects.get(code="app").name_fr == "Notifications de l’application"


def test_a_name_a_supervisor_wrote_is_left_alone():
    Topic.objects.filter(code="newsletter").update(name_fr="Notre lettre d'actualité")
    Channel.objects.filter(code="app").update(name_fr="Notifications")
    MIGRATION.names_forwards(apps, None)
    assert Topic.objects.get(code="newsletter").name_fr == "Notre lettre d'actualité"
    assert Channel.objects.get(code="app").name_fr == "Notifications"


def test_going_back_restores_only_the_new_default():
    MIGRATION.names_backwards(apps, None)
    assert Topic.objects.get(code="newsletter").name_fr == "Lettre d'information"
    MIGRATION.names_forwards(apps, None)
    assert Topic.objects.get(code="newsletter").name_fr == "Lettre d’information"
