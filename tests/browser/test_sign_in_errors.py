"""The sign-in and sign-up pages, and the account pages of a signed-in person, answered with errors open
on them, as every form of the site: the error summary has the focus (so a phone scrolls to it and a
screen reader reads it), and axe finds nothing."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_customer_journey import sign_in
from tests.conftest import PASSWORD, make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "fr": {"mismatch": "L’adresse e-mail ou le mot de passe sont incorrects.", "password2": "Mot de passe (confirmation)"},
    "en": {"mismatch": "The email address and/or password you specified are not correct.", "password2": "Password (again)"},
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_sign_in_and_sign_up_errors_take_the_focus(page, site, assert_accessible, language):
    texts = TEXTS[language]
    make_customer_user("camille@example.com")
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    sign_in(page, site, "camille@example.com", password="wrong-password-123")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text(texts["mismatch"])
    for field in ("#id_login", "#id_password"):
        expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.goto(site + "/accounts/signup/")
    page.locator("#id_email").fill("new@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD + "x")
    page.locator("form button[type=submit]").last.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_label(texts["password2"], exact=True)).to_have_attribute("aria-invalid", "true")
    # The summary's link takes the keyboard to the field to correct.
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_password2")).to_be_focused()
    expect(page).to_have_url(re.compile("#id_password2$"))
    assert_accessible(page)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_signed_in_account_pages_errors_take_the_focus(page, site, assert_accessible, language, reauthentication_expired):
    # The password change and the authenticator app set-up: a wrong answer opens on the summary.
    make_customer_user("camille@example.com")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))

    page.goto(site + "/accounts/password/change/")
    page.locator("#id_oldpassword").fill("wrong-password-123")
    page.locator("#id_password1").fill("a-brand-new-Pass-2026")
    page.locator("#id_password2").fill("a-brand-new-Pass-2026")
    page.locator("main form button[type=submit]").last.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(page.locator("#id_oldpassword")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_oldpassword")).to_be_focused()
    assert_accessible(page)

    # Setting up an app, once the sign-in is no longer recent, asks for the password again first: a
    # wrong one opens on the summary too.
    reauthentication_expired()
    page.goto(site + "/accounts/2fa/totp/activate/")
    expect(page).to_have_url(re.compile("/accounts/reauthenticate/"))
    page.locator("#id_password").fill("wrong-password-123")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#id_password")).to_have_attribute("aria-invalid", "true")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile("/accounts/2fa/totp/activate/$"))
    page.locator("#id_code").fill("000000")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
