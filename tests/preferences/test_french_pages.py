"""No English on French pages (and the other way round), and French punctuation that reads right:
the footprint's sources, the demo customer's history, form errors, and the hints of channels not set up."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from preferences.catalog import catalog_invalidate
from preferences.models import Channel

pytestmark = pytest.mark.django_db

EMAIL_SOURCE = {
    "fr": "Mike Berners-Lee, How Bad Are Bananas? (édition 2020)\u00a0: environ 4 g CO2e pour un e-mail ordinaire",
    "en": "Mike Berners-Lee, How Bad Are Bananas? (2020 edition): about 4 g CO2e for a typical email",
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_footprint_sources_are_in_the_readers_language(customer_client, language):
    page = customer_client.get(reverse("preferences:overview"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert EMAIL_SOURCE[language] in page
    other = "en" if language == "fr" else "fr"
    assert EMAIL_SOURCE[other] not in page


def test_a_source_a_supervisor_wrote_shows_as_written(customer_client):
    Channel.objects.filter(code="email").update(footprint_source="Notre propre mesure, 2026.")
    catalog_invalidate()
    page = customer_client.get(reverse("preferences:overview"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Notre propre mesure, 2026." in page


def test_the_demo_customers_history_has_no_english_words():
    call_command("demo_data", stdout=io.StringIO())
    client = Client()
    assert client.login(email="client@example.com", password="demo-client-2026")
    page = client.get(reverse("preferences:history"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "demo data" not in page
    assert "Données de démonstration, chargées pour essayer le site." in page
    page = client.get(reverse("preferences:history"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Demonstration data, loaded to try the site out." in page


def test_form_errors_never_double_the_punctuation(customer_client):
    response = customer_client.post(
        "/my/requests/",
        {"reason": "", "preferred_channel": "phone", "preferred_time_slots": ["weekday_morning"], "language": "fr"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "De quoi souhaitez-vous parler\u00a0?</a> — Ce champ est obligatoire." in page and "?</a>:" not in page


@pytest.mark.parametrize(
    ("language", "app_hint", "phone_hint"),
    [
        ("fr", "installez d'abord notre application et connectez-vous-y", "ajoutez et vérifiez d'abord un numéro"),
        ("en", "install our app and sign in to it first", "add and verify a phone number first"),
    ],
)
def test_channels_not_set_up_say_what_to_do_not_that_we_lack_them(customer_client, language, app_hint, phone_hint):
    page = customer_client.get(reverse("preferences:channels"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    page = page.replace("&#x27;", "'")
    assert app_hint in page and phone_hint in page
    assert "pas encore disponible" not in page and "not available yet" not in page


def test_the_app_hint_does_not_send_to_a_page_that_cannot_add_an_app(customer_client):
    page = customer_client.get(reverse("preferences:topics"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    app_hints = [part.split("</span>", 1)[0] for part in page.split('__app_why">')[1:]]
    assert app_hints and all(hint == "Install our app and sign in to it" for hint in app_hints)
    assert '__postal_why"><a href="/my/channels/?add=postal#add-postal">Add a postal address</a>' in page
