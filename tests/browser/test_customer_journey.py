"""A customer signs up, verifies, ranks channels, chooses AI and paper, and sees it in the history."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from notifications.models import OutboundMessage
from tests.conftest import PASSWORD, make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER_PAGES = ["/my/", "/my/channels/", "/my/topics/", "/my/ai/", "/my/requests/", "/my/history/", "/my/privacy/"]


def sign_in(page, site, email, password=PASSWORD):
    page.goto(site + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").last.click()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_customer_page_is_accessible(page, site, assert_accessible, language):
    make_customer_user("camille@example.com")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    sign_in(page, site, "camille@example.com")
    expect(page).to_have_url(re.compile("/my/$"))
    for path in CUSTOMER_PAGES:
        page.goto(site + path)
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)


def test_sign_up_verify_rank_choose_ai_and_paper_then_see_the_history(page, site, assert_accessible):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    # Sign up, then verify the email address with the code we receive.
    page.goto(site + "/accounts/signup/")
    page.locator("#id_email").fill("alex@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contact preferences")

    # Add a postal address (needed for paper) and move postal mail to the top of the ranking.
    page.goto(site + "/my/channels/")
    page.get_by_text("Add a postal address", exact=True).click()
    page.get_by_label("Postal address").fill("Alex Durand\n12 avenue Jean Jaurès\n69007 Lyon")
    page.locator("#id_add_postal_password").fill(PASSWORD)
    page.locator("#id_add_postal_password").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Your postal address was added")
    page.get_by_role("button", name=re.compile(r"^Up ?: move postal mail up$")).click()
    page.get_by_role("button", name=re.compile(r"^Up ?: move postal mail up$")).click()
    expect(page.locator(".ranking li").first).to_contain_text("Postal mail")
    assert_accessible(page)

    # Offers only from people; invoices on paper too.
    page.goto(site + "/my/topics/")
    page.locator("#details-offers summary").click()
    page.locator("#id_ai__offers").select_option("human_only")
    page.locator("#details-billing summary").click()
    page.get_by_role("group", name="Invoices and payments").get_by_label("Also send me a paper copy").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#topics-status")).to_contain_text("Your choices are saved")

    # Everything is in the history, in plain words.
    page.goto(site + "/my/history/")
    history = page.locator("table").first  # the consent history; the request steps come after
    expect(history).to_contain_text("“Offers and promotions”: messages written with AI")
    expect(history).to_contain_text("Only messages written by people")
    expect(history).to_contain_text("“Invoices and payments”: paper copy")
    expect(history).to_contain_text("Order of your channels")
    expect(history).to_contain_text("alex@example.com (verified)")
    assert_accessible(page)
    assert OutboundMessage.objects.filter(to="alex@example.com", sent_at__isnull=False).exists()


def test_the_topics_page_works_with_the_keyboard_alone(page, site):
    make_customer_user("camille@example.com")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    sign_in(page, site, "camille@example.com")
    page.goto(site + "/my/topics/")
    page.locator("#details-newsletter summary").focus()
    page.keyboard.press("Enter")  # opens the newsletter's details
    page.locator("#id_ai__newsletter").focus()
    page.keyboard.press("End")  # last option: "Only messages written by people"
    page.get_by_role("button", name="Save my choices").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#topics-status")).to_contain_text("Your choices are saved")
    expect(page.locator("#id_ai__newsletter")).to_have_value("human_only")


def test_customer_pages_fit_a_phone_screen(browser, site):
    make_customer_user("camille@example.com")
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True, locale="fr-FR")
    page = context.new_page()
    sign_in(page, site, "camille@example.com")
    for path in CUSTOMER_PAGES:
        page.goto(site + path)
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    context.close()
