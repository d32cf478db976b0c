"""The console's customer page as a grid of topics by channel, and the grouped setting picker with its
filter: an agent narrows 42 settings to one by typing, with the keyboard, and lands on its form."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_support_console import staff_sign_in
from tests.conftest import make_customer_user, make_staff_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_grid_and_filtered_picker_with_the_keyboard(browser, site, assert_accessible, language):
    _user, customer = make_customer_user("camille@example.com")
    make_staff_user("agent@example.com", "agent")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    staff_sign_in(page, site, "agent@example.com")

    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{site}/support/customers/{customer.pk}/")
        expect(page.locator("#customer-topics-grid tbody tr")).to_have_count(7)
        assert_accessible(page)
        page.goto(f"{site}/support/customers/{customer.pk}/override/")
        assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{site}/support/customers/{customer.pk}/override/")
    search = page.locator("#setting-filter")
    expect(search).to_be_visible()  # shown by the script; without it the grouped list works alone
    search.focus()
    page.keyboard.type("offres sms" if language == "fr" else "offers sms")
    expect(page.locator("#setting-filter-count")).to_have_text(re.compile("^(Un réglage|One setting)"))
    visible = page.locator("#id_key option:not([hidden])")
    expect(visible).to_have_count(1)
    assert visible.get_attribute("value") == "subscription.offers.sms"
    page.keyboard.press("Enter")  # to the list, with the match chosen
    expect(page.locator("#id_key")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"override/\?key=subscription\.offers\.sms"))
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{site}/support/customers/{customer.pk}/override/")
    page.locator("#setting-filter").fill("zzz")
    expect(page.locator("#setting-filter-count")).not_to_be_empty()
    expect(page.locator("#id_key option:not([hidden])")).to_have_count(0)
    context.close()
