"""Signing in with the keyboard: Tab goes from the email to the password; the "forgot your password?"
link comes right after the password field, not between the two."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(("language", "forgot"), [("fr", "Mot de passe oublié ?"), ("en", "Forgot your password?")])
def test_signing_in_with_the_keyboard_goes_from_the_email_to_the_password(browser, site, language, forgot):
    make_customer_user("camille@example.com", language=language)
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="fr-FR")
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page = context.new_page()
    page.goto(site + "/accounts/login/")
    page.locator("#id_login").focus()
    page.keyboard.type("camille@example.com")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=forgot)).to_be_focused()  # still offered, right after the field
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile("/my/$"))
    context.close()

