"""No English on French pages (and the other way round), and French punctuation that reads right:
the footprint's sources, the demo customer's history, form errors, and the hints of channels not set up."""

import html
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from preferences.catalog import catalog_invalidate
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
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
        ("fr", "installez d’abord notre application et connectez-vous-y", "ajoutez et vérifiez d’abord un numéro"),
        ("en", "install our app and sign in to it first", "add and verify a phone number first"),
    ],
)
def test_channels_not_set_up_say_what_to_do_not_that_we_lack_them(customer_client, language, app_hint, phone_hint):
    page = customer_client.get(reverse("preferences:channels"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert app_hint in page and phone_hint in page
    assert "pas encore disponible" not in page and "not available yet" not in page


def test_the_app_hint_does_not_send_to_a_page_that_cannot_add_an_app(customer_client):
    page = customer_client.get(reverse("preferences:topics"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    app_hints = [part.split("</span>", 1)[0] for part in page.split('__app_why">')[1:]]
    assert app_hints and all(hint == "Install our app and sign in to it" for hint in app_hints)
    assert '__postal_why"><a href="/my/channels/?add=postal#add-postal">Add a postal address</a>' in page


def _visible_text(page: str) -> str:
    """What a reader sees or hears of a page: its text and its labelling attributes, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    attributes = re.findall(r'\s(?:aria-label|title|alt|placeholder|label)="([^"]*)"', page)
    return html.unescape(" ".join([re.sub(r"<[^>]+>", " ", page), *attributes]))


def test_the_marketing_page_writes_its_french_apostrophes_one_way(customer_client, customer_user):
    """/my/marketing/ in each of its states (and the messages of its buttons) uses the typographic
    apostrophe (’) throughout, as its French text mostly did, never the straight one (')."""
    user, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"},
                       context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(user.pk)))
    client, fr = customer_client, {"HTTP_ACCEPT_LANGUAGE": "fr", "follow": True}
    pages = {
        "as it is": client.get(reverse("preferences:marketing"), HTTP_ACCEPT_LANGUAGE="fr"),
        "paused": client.post(reverse("preferences:marketing_pause"), {"months": "3"}, **fr),
        "resumed": client.post(reverse("preferences:marketing_resume"), **fr),
        "a bad duration": client.post(reverse("preferences:marketing_pause"), {"months": "2"}, HTTP_ACCEPT_LANGUAGE="fr"),
        "asked to confirm": client.post(reverse("preferences:marketing_objection"), {"objection": "on", "from": "marketing"}, **fr),
        "objecting": client.post(reverse("preferences:marketing_objection"),
                                 {"objection": "on", "confirm": "on", "from": "marketing"}, **fr),
        "lifted": client.post(reverse("preferences:marketing_objection"), {"objection": "off", "from": "marketing"}, **fr),
        "restored": client.post(reverse("preferences:marketing_restore"), **fr),
    }
    for state, response in pages.items():
        text = _visible_text(response.content.decode())
        assert "’" in text, state
        straight = re.findall(r"\S*'\S*", text)
        assert not straight, f"{state}: {straight}"
