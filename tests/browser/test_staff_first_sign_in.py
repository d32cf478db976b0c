"""A new agent's first sign-in, in a real browser: straight from the password to the authenticator set-up
(not the password again), a page that says why and how, a QR code whose text alternative says what it
is, the secret key readable in full at a phone's width, a wrong code that puts the focus on the error,
then the recovery codes explained and the way on to the console. French and English, 390 and 1280 px."""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import AGENT
from tests.browser.test_customer_journey import sign_in
from tests.conftest import make_staff_user
from tests.core.test_accounts import totp_now

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "fr": {"why": "La console d’assistance demande", "qr": "Code QR pour votre application d’authentification",
           "codes": "chacun de ces codes vous permet de vous connecter une fois", "continue": "Continuer vers la console"},
    "en": {"why": "The support console needs two-factor authentication", "qr": "QR code for your authenticator app",
           "codes": "each of these codes lets you sign in once", "continue": "Continue to the support console"},
}


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_new_agent_sets_up_the_authenticator_app_after_the_first_sign_in(page, site, assert_accessible, language, width):
    texts = TEXTS[language]
    make_staff_user("new-agent@example.com", AGENT, with_totp=False)
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    sign_in(page, site, "new-agent@example.com")
    page.goto(site + "/support/")
    expect(page).to_have_url(re.compile("/accounts/2fa/totp/activate/$"))  # not /accounts/reauthenticate/
    expect(page.locator("main")).to_contain_text(texts["why"])

    secret = page.locator(".totp-secret").inner_text().strip()
    assert re.fullmatch("[A-Z2-7]{32}", secret)
    qr = page.locator("main img.totp-qr")
    assert texts["qr"] in qr.get_attribute("alt") and secret not in qr.get_attribute("alt")
    # The whole key is on screen (wrapped), not cut by a field; nothing scrolls sideways.
    box = page.locator(".totp-secret").bounding_box()
    assert box["x"] + box["width"] <= width
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    expect(page.locator("#id_code")).to_have_attribute("inputmode", "numeric")
    assert_accessible(page)

    page.locator("#id_code").fill("000000")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    assert page.locator(".totp-secret").inner_text().strip() == secret  # the same key: the app need not start over
    assert_accessible(page)

    page.locator("#id_code").fill(totp_now(secret))
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile("/accounts/2fa/recovery-codes/$"))
    expect(page.locator("main")).to_contain_text(texts["codes"])
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    assert_accessible(page)
    page.get_by_role("link", name=texts["continue"]).click()
    expect(page).to_have_url(re.compile("/support/$"))
