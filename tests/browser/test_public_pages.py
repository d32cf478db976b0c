"""The home, sign-in and sign-up pages, in French and in English, pass axe and work by keyboard."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accessibility/"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_public_page_is_accessible(page, site, assert_accessible, path, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page.goto(site + path)
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)


def test_home_defaults_to_french_and_switches_to_english(page, site):
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez comment nous vous contactons")
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose how we contact you")
    assert page.locator("html").get_attribute("lang") == "en"


def test_skip_link_is_first_and_moves_focus_to_main(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu principal"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_home_is_readable_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    page.goto(site + "/")
    # Nothing overflows horizontally on a narrow screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
