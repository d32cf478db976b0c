"""At 390 px no checkbox or radio button of the customer pages is squeezed smaller than the others by a
long label beside it (a smaller box is harder to see and to tap)."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("path", ["/my/channels/", "/my/ai/", "/my/requests/", "/my/marketing/"])
def test_every_box_and_button_keeps_its_size_beside_a_long_label(browser, site, path):
    make_customer_user("camille@example.com", language="fr")
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="fr-FR")
    context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    page = context.new_page()
    page.goto(site + "/accounts/login/")
    page.locator("#id_login").fill("camille@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile("/my/$"))
    page.goto(site + path)
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('main input[type=checkbox], main input[type=radio]'))
             .filter((input) => input.offsetParent !== null)
             .map((input) => [input.id, Math.round(input.getBoundingClientRect().width)])"""
    )
    assert sizes, path
    assert {width for _, width in sizes} == {20}, sizes  # 1.25rem, as the stylesheet sets it
    context.close()
