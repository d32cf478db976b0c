"""The messages this edition added, as a browser shows them, with axe: signing in again just after
signing up, and quiet hours that start and end at the same time (the form names the time zone)."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from portal.settings import base
from tests.browser.test_customer_journey import sign_in
from tests.conftest import PASSWORD, make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "fr": {
        "just_sent": "nous venons d’envoyer un code de confirmation à new@example.com",
        "start": "Début des heures de tranquillité",
        "end": "Fin des heures de tranquillité",
        "save": "Enregistrer",
        "zone": "Dans votre fuseau horaire, France métropolitaine (modifiable ci-dessous).",
        "refused": "Les heures de tranquillité doivent commencer et finir à des heures différentes.",
    },
    "en": {
        "just_sent": "we have just sent a confirmation code to new@example.com",
        "start": "Quiet hours start",
        "end": "Quiet hours end",
        "save": "Save",
        "zone": "In your time zone, Metropolitan France (you can change it below).",
        "refused": "Quiet hours must start and end at different times.",
    },
}


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = dict(base.ACCOUNT_RATE_LIMITS)
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_signing_in_again_after_signing_up_says_a_code_was_sent(
    browser, site, assert_accessible, rate_limits, language
):
    texts = TEXTS[language]
    for attempt in ("sign_up", "sign_in"):
        context = browser.new_context(bypass_csp=True)  # a second browser, as on another device
        try:
            page = context.new_page()
            context.add_cookies([{"name": "django_language", "value": language, "url": site}])
            if attempt == "sign_up":
                page.goto(site + "/accounts/signup/")
                page.locator("#id_email").fill("new@example.com")
                page.locator("#id_password1").fill(PASSWORD)
                page.locator("#id_password2").fill(PASSWORD)
                page.locator("form button[type=submit]").last.click()
                expect(page).to_have_url(re.compile("/accounts/confirm-email/"))
            else:
                sign_in(page, site, "new@example.com")
                expect(page.locator(".errorlist")).to_contain_text(texts["just_sent"], ignore_case=True)
                assert "Trop de tentatives" not in page.content() and "Too many" not in page.content()
                assert_accessible(page)
        finally:
            context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_quiet_hours_starting_and_ending_together_are_refused(page, site, assert_accessible, language):
    texts = TEXTS[language]
    make_customer_user("camille@example.com")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))
    page.goto(site + "/my/channels/")
    expect(page.locator("#id_quiet_hours_start_helptext")).to_have_text(texts["zone"])
    page.get_by_label(texts["start"]).fill("08:00")
    page.get_by_label(texts["end"]).fill("08:00")
    page.locator("form[action$='/settings/'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text(texts["refused"])
    expect(page.get_by_label(texts["end"])).to_have_attribute(
        "aria-describedby", re.compile("id_quiet_hours_end_helptext")
    )
    assert_accessible(page)
