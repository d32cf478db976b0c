"""The one-click pages (unsubscribe, and the double opt-in confirmation at /confirm/): accessible in both
languages, and their button works with no login."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from links.services import unsubscribe_link_get_or_create
from links.tokens import token_for
from notifications.models import OutboundMessage
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, Subscription
from tests.conftest import make_customer_user
from tests.preferences.helpers import CUSTOMER

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "fr": {"title": "Confirmez votre abonnement", "done": "Votre abonnement est confirmé."},
    "en": {"title": "Confirm your subscription", "done": "Your subscription is confirmed."},
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_unsubscribe_page_is_accessible_and_its_button_unsubscribes(browser, site, assert_accessible, language):
    # The page speaks the customer's language (their email's), whatever the browser's.
    _, customer = make_customer_user("camille@example.com", language=language)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    link = unsubscribe_link_get_or_create(customer=customer, topic=None)
    context = browser.new_context(bypass_csp=True, locale="en-GB" if language == "fr" else "fr-FR")
    page = context.new_page()
    page.goto(site + reverse("links:one_click", kwargs={"token": token_for(link.public_id)}))
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_be_visible()
    assert_accessible(page)
    assert ConsentEvent.objects.filter(customer=customer, source="link").exists()
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_confirmation_link_of_the_email_opens_confirm_and_its_button_confirms(browser, site, assert_accessible, language):
    # Another system opted the customer in: the email's link is /confirm/<token>/ (not /unsubscribe/).
    _, customer = make_customer_user("camille@example.com", language=language)
    api = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=api)
    body = OutboundMessage.objects.filter(channel="email").latest("id").body
    path = re.search(r"https?://[^/\s]+(/confirm/\S+/)", body).group(1)
    context = browser.new_context(bypass_csp=True, locale="en-GB" if language == "fr" else "fr-FR")
    page = context.new_page()
    page.goto(site + path)
    assert page.locator("html").get_attribute("lang") == language
    expect(page.locator("h1")).to_have_text(TEXTS[language]["title"])
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_contain_text(TEXTS[language]["done"])
    assert_accessible(page)
    assert Subscription.objects.get(customer=customer, topic__code="offers", channel="email").status == "in"
    context.close()
