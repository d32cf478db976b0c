"""The one-click unsubscribe page: accessible in both languages, and its button works with no login."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from links.services import unsubscribe_link_get_or_create
from links.tokens import token_for
from preferences.changes import preferences_change
from preferences.models import ConsentEvent
from tests.conftest import make_customer_user
from tests.preferences.helpers import CUSTOMER

pytestmark = pytest.mark.django_db(transaction=True)


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
