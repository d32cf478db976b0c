"""Phone numbers are stored in E.164 (+33612345678) and shown as people write them: 06 12 34 56 78 for
a French number, +32 470 12 34 56 for another; links (tel:), exports and the API keep E.164."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from preferences.catalog import catalog_get
from preferences.contact_points import contact_point_add, contact_point_display, phone_display
from preferences.domain import ActorType, Source
from preferences.history import value_text
from preferences.ledger import ChangeContext

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+33612345678", "06 12 34 56 78"),
        ("+33142685300", "01 42 68 53 00"),
        ("+32470123456", "+32 470 12 34 56"),
        ("+447400123456", "+44 7400 123456"),
        ("not a number", "not a number"),
        ("+3361", "+3361"),
    ],
)
def test_a_number_is_shown_as_people_write_it(stored, shown):
    assert phone_display(stored) == shown


def test_a_messaging_account_names_its_service():
    # In English, whatever language an earlier test of the same worker left active (French writes "WhatsApp :").
    with translation.override("en"):
        assert contact_point_display(kind="messaging", value="whatsapp:+33612345678") == "WhatsApp: 06 12 34 56 78"
        assert contact_point_display(kind="messaging", value="telegram:@camille_m") == "Telegram: @camille_m"
    with translation.override("fr"):
        assert contact_point_display(kind="messaging", value="whatsapp:+33612345678") == "WhatsApp\u00a0: 06 12 34 56 78"
    assert contact_point_display(kind="email", value="a@example.com") == "a@example.com"


def test_the_history_shows_the_number_spaced(db):
    value = {"kind": "phone", "value": "+33612345678", "verified": True}
    assert value_text("contact_point.7", value, catalog_get()).startswith("06 12 34 56 78 (")


def test_the_customer_s_channels_page_and_its_messages_show_the_number_spaced(customer_client, customer_user):
    customer_client.cookies["django_language"] = "en"
    response = customer_client.post(
        reverse("preferences:contact_point_add", args=["phone"]),
        {"value": "+33612345678", "password": "correct-horse-battery-9"},
        follow=True,
    )
    body = response.content.decode()
    assert "We sent a code to 06 12 34 56 78." in body
    assert '<span class="contact-value">06 12 34 56 78</span>' in body
    assert "+33612345678" not in body


def test_the_console_shows_the_number_spaced(agent, customer_user):
    _user, customer = customer_user
    contact_point_add(customer_id=customer.pk, kind="phone", value="0612345678", context=CUSTOMER, phone_type="mobile")
    agent_client = Client()
    agent_client.force_login(agent)
    agent_client.cookies["django_language"] = "en"
    body = agent_client.get(reverse("support:customer_detail", args=[customer.pk])).content.decode()
    assert 'Phone number (mobile): <span class="contact-value">06 12 34 56 78</span>' in body
    search = agent_client.get(reverse("support:home"), {"q": "06 12 34 56 78"}).content.decode()
    assert "06 12 34 56 78" in search
