"""Where the focus lands when a page loads: after a save, on its confirmation (not <body>), unless the
address names a place in the page; after errors, on the summary, whose links lead to an input of each
field (the first radio button of a group). Without JavaScript the same pages work, the confirmation
first in <main>. At a phone's width."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_customer_journey import sign_in
from tests.conftest import make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _signed_in(browser, site, *, javascript=True):
    make_customer_user("camille@example.com", language="en")
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="en-GB", java_script_enabled=javascript)
    context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    page = context.new_page()
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))
    return context, page


def test_after_a_save_the_focus_is_on_the_confirmation(browser, site, assert_accessible):
    context, page = _signed_in(browser, site)
    page.goto(site + "/my/ai/")
    page.get_by_label("Only messages written by people").check()
    page.get_by_role("button", name="Save my choices").click()
    confirmation = page.locator("#site-messages")
    expect(confirmation).to_contain_text("Your choices were saved.")
    expect(confirmation).to_be_focused()
    # Tab goes on from there: the undo button inside the confirmation comes first.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Undo this change")).to_be_focused()
    assert_accessible(page)
    context.close()


def test_a_save_that_comes_back_to_a_place_in_the_page_leaves_the_focus_there(browser, site):
    context, page = _signed_in(browser, site)
    page.goto(site + "/my/channels/")
    page.get_by_role("button", name="move email down").click()
    expect(page).to_have_url(re.compile("/my/channels/#ranking$"))
    expect(page.locator("#site-messages")).to_contain_text("Email moved.")
    expect(page.locator("#site-messages")).not_to_be_focused()
    expect(page.locator("#ranking")).to_be_focused()
    context.close()


def test_a_summary_link_moves_the_focus_to_the_first_button_of_its_group(browser, site):
    context, page = _signed_in(browser, site)
    page.goto(site + "/my/requests/")
    page.locator("#contact-request-submit").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="How should we contact you?").click()
    # No phone: the first channel offered is email, and it is the one focused, its question in sight.
    expect(page.locator("input[name=preferred_channel][value=email]")).to_be_focused()
    expect(page.get_by_text("How should we contact you?", exact=True).last).to_be_in_viewport()
    context.close()


def test_without_javascript_the_confirmation_is_first_in_the_page(browser, site):
    context, page = _signed_in(browser, site, javascript=False)
    page.goto(site + "/my/ai/")
    page.get_by_label("Only messages written by people").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("main > #site-messages")).to_contain_text("Your choices were saved.")
    expect(page.locator("#site-messages")).not_to_be_focused()
    context.close()
