"""The topics page as a topic × channel grid: saved without a reload and guarded against leaving
unsaved changes with JavaScript, the same form without it; the overview links each row to it."""

import re

import pytest
from playwright.sync_api import expect

from preferences.selectors import preference_document_get
from tests.browser.test_customer_journey import sign_in
from tests.conftest import make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _status(customer, topic_code, channel):
    document = preference_document_get(customer_id=customer.pk)
    return document.subscription_status(document.catalog.topics_by_code[topic_code], channel)


def _signed_in(browser, site, *, language="en", viewport=None, javascript=True):
    context = browser.new_context(
        viewport=viewport or WIDTHS["desktop"], bypass_csp=True, locale="fr-FR", java_script_enabled=javascript
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page = context.new_page()
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))
    return context, page


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_topics_and_overview_are_accessible_and_fit_the_screen(browser, site, assert_accessible, language, width):
    make_customer_user("camille@example.com", language=language)
    context, page = _signed_in(browser, site, language=language, viewport=WIDTHS[width])
    for path in ("/my/", "/my/topics/?open=billing"):
        page.goto(site + path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"], path
        assert_accessible(page)
    context.close()


def test_with_javascript_the_grid_saves_without_a_reload_and_says_so(browser, site, assert_accessible):
    _user, customer = make_customer_user("camille@example.com", language="en")
    context, page = _signed_in(browser, site)
    page.goto(site + "/my/topics/")
    page.evaluate("window.notReloaded = true")
    unsaved = page.get_by_text("Changes not saved yet")
    expect(unsaved).to_be_hidden()

    page.get_by_role("checkbox", name="Email — Offers and promotions").check()
    page.get_by_text("How, paper copy, AI, and an example").nth(4).click()  # the offers' details
    page.locator("#id_ai__offers").select_option("human_only")
    expect(unsaved).to_be_visible()
    page.get_by_role("button", name="Save my choices").click()

    expect(page.locator("#topics-status")).to_contain_text("Your choices are saved. They apply to every message prepared from now on")
    expect(unsaved).to_be_hidden()
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#details-offers")).to_have_attribute("open", "")  # left as the customer had it
    assert _status(customer, "offers", "email") == "in"
    customer.refresh_from_db()
    assert customer.topic_settings["offers"] == {"ai_level": "human_only"}

    # A refused change: the server's message shows in the page, nothing is saved, the page stays.
    page.get_by_role("checkbox", name="Email — Account security").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("keep at least one channel")
    expect(summary).to_be_focused()
    expect(page.locator("#topics-status")).to_contain_text("Nothing was saved")
    expect(unsaved).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    assert _status(customer, "security", "email") == "in"
    assert_accessible(page)
    context.close()


def test_leaving_with_unsaved_changes_asks_first(browser, site):
    make_customer_user("camille@example.com", language="en")
    context, page = _signed_in(browser, site)
    page.goto(site + "/my/topics/")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # "stay on this page"

    page.on("dialog", answer)
    page.get_by_role("checkbox", name="Email — Newsletter").check()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(re.compile("/my/topics/$"))

    # Saved, nothing is left to lose: the link leaves at once.
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#topics-status")).to_contain_text("Your choices are saved")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile("/my/history/$"))
    assert dialogs == ["beforeunload"]
    context.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_without_javascript_the_same_form_posts_and_the_page_reloads(browser, site, width):
    _user, customer = make_customer_user("camille@example.com", language="fr")
    context, page = _signed_in(browser, site, language="fr", javascript=False, viewport=WIDTHS[width])
    page.goto(site + "/my/topics/")
    expect(page.get_by_text("Vous avez des changements pas encore enregistrés.")).to_be_hidden()
    page.get_by_role("checkbox", name="E-mail — Lettre d’information").check()
    page.get_by_text("Comment, copie papier, IA, et un exemple").nth(2).click()  # billing's details
    page.get_by_role("group", name="Factures et paiements").get_by_label("Sur tous les canaux que j’ai choisis").check()
    page.get_by_role("button", name="Enregistrer mes choix").click()
    expect(page.locator("main > .messages")).to_contain_text("Vos choix sont enregistrés.")
    expect(page).to_have_url(re.compile("/my/topics/#site-messages$"))
    expect(page.locator("main > .messages")).to_be_in_viewport()
    assert _status(customer, "newsletter", "email") == "in"
    customer.refresh_from_db()
    assert customer.topic_settings["billing"] == {"delivery_mode": "all"}

    page.get_by_role("checkbox", name="E-mail — Sécurité du compte").uncheck()
    page.get_by_role("button", name="Enregistrer mes choix").click()
    expect(page.locator(".error-summary")).to_contain_text("gardez au moins un canal")
    # Opened at the grid and its summary, below the introduction and the objection card (on a phone
    # the summary was a screen away from where the page opened).
    expect(page).to_have_url(re.compile("/my/topics/#topics-grid$"))
    expect(page.locator(".error-summary")).to_be_in_viewport()
    assert _status(customer, "security", "email") == "in"
    context.close()  # axe needs JavaScript: the same page is checked with it in the other tests


def test_a_channel_not_set_up_says_why_and_links_to_the_fix(browser, site):
    make_customer_user("camille@example.com", language="en")
    context, page = _signed_in(browser, site)
    page.goto(site + "/my/topics/")
    sms = page.get_by_role("checkbox", name="SMS — Offers and promotions")
    expect(sms).to_be_disabled()
    expect(sms).to_have_accessible_description("Add and verify a mobile number")
    page.locator("#id_sub__offers__sms_why").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/my/channels/\?add=phone#add-phone$"))
    expect(page.locator("#add-phone")).to_have_attribute("open", "")
    context.close()


def test_the_overview_links_each_row_to_its_topic_and_shows_ai_and_people(browser, site):
    make_customer_user("camille@example.com", language="en")
    context, page = _signed_in(browser, site)
    expect(page.get_by_text("Some messages cannot all be turned off (account security, contract and legal notices)")).to_be_visible()
    expect(page.get_by_role("link", name="Choose how we use AI with you")).to_have_attribute("href", "/my/ai/")
    expect(page.get_by_role("link", name="Talk to a person").last).to_be_visible()
    page.get_by_role("link", name="Change — Offers and promotions").click()
    expect(page).to_have_url(re.compile(r"/my/topics/\?open=offers#topic-offers$"))
    expect(page.locator("#details-offers")).to_have_attribute("open", "")
    expect(page.locator("#details-offers")).to_contain_text("20% off your next subscription")
    expect(page.locator("#details-billing")).not_to_have_attribute("open", "")
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_on_a_phone_the_save_bar_leaves_the_screen_to_the_grid(browser, site, language):
    """The bar stays at the bottom of a phone's screen while changes are unsaved: its note on one short line
    under the button, about an eighth of the screen in all (it took a sixth, the note on two large lines)."""
    make_customer_user("camille@example.com", language=language)
    context, page = _signed_in(browser, site, language=language, viewport=WIDTHS["phone"])
    page.goto(site + "/my/topics/")
    page.locator(".topic-grid input[type=checkbox]:not(:disabled)").first.click()
    note = page.locator("[data-unsaved]")
    expect(note).to_be_visible()
    line_height = page.evaluate("parseFloat(getComputedStyle(document.querySelector('[data-unsaved]')).fontSize) * 1.6")
    assert note.bounding_box()["height"] <= line_height  # one line
    bar = page.locator(".save-bar").bounding_box()
    assert bar["y"] + bar["height"] <= WIDTHS["phone"]["height"] + 1  # stuck to the bottom of the screen
    assert bar["height"] <= WIDTHS["phone"]["height"] / 8
    context.close()
