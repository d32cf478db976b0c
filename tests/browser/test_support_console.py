"""A customer files a request; the agent signs in with TOTP, finds it, schedules and completes it; the
customer sees the outcome; an override with a reason reaches the customer's history and email."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.test_customer_journey import sign_in
from tests.conftest import TOTP_SECRET, make_customer_user, make_staff_user
from tests.core.test_accounts import totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def staff_sign_in(page, site, email):
    sign_in(page, site, email)
    page.locator("#id_code").fill(totp_now(TOTP_SECRET))
    page.locator("#id_code").press("Enter")
    expect(page).not_to_have_url(re.compile("/accounts/"))


def test_request_to_completion_and_an_override_seen_by_the_customer(browser, site, assert_accessible):
    make_customer_user("camille@example.com", language="en")
    make_staff_user("agent@example.com", "agent")
    customer_context = browser.new_context(bypass_csp=True, locale="en-GB")
    customer = customer_context.new_page()
    customer.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])

    # The customer asks to talk to a person.
    sign_in(customer, site, "camille@example.com")
    customer.goto(site + "/my/requests/")
    assert_accessible(customer)
    customer.get_by_label("What would you like to talk about?").fill("My last invoice looks wrong.")
    customer.locator("input[name=preferred_channel]").first.check()
    customer.locator("#contact-request-submit").click()
    expect(customer.get_by_role("status")).to_be_visible()
    request_card = customer.locator("article.contact-request").first
    expect(request_card).to_contain_text("My last invoice looks wrong.")
    request_id = request_card.get_attribute("id").rsplit("-", 1)[1]

    # The agent signs in with a TOTP code, finds the request in the queue, schedules and completes it.
    agent_context = browser.new_context(bypass_csp=True, locale="en-GB")
    agent = agent_context.new_page()
    agent.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    staff_sign_in(agent, site, "agent@example.com")
    agent.goto(site + "/support/requests/")
    assert_accessible(agent)
    agent.locator(f"#queue-request-{request_id} a").first.click()
    agent.locator("#request-assign").click()
    # The first time that fits the customer's slots and the team's opening hours.
    agent.locator("#request-proposal-0").click()
    expect(agent.locator("#request-status")).to_contain_text(re.compile("Scheduled", re.I))
    # Completing as "reached" before the appointment is refused, with the reason in the form.
    agent.locator("input[name=outcome_code][value=reached]").check()
    agent.locator("#id_outcome").fill("Invoice corrected; a credit note was sent.")
    agent.locator("#request-complete").click()
    expect(agent.locator("#id_outcome_code_error")).to_be_visible()
    assert_accessible(agent)
    # The customer called back before the appointment: another outcome, with a note saying why.
    agent.locator("input[name=outcome_code][value=customer_cancelled]").check()
    agent.locator("#id_outcome").fill("You called us first: invoice corrected; a credit note was sent.")
    agent.locator("#request-complete").click()
    expect(agent.locator("#request-status")).to_contain_text(re.compile("Completed", re.I))
    assert_accessible(agent)

    # The customer sees the outcome.
    customer.goto(site + "/my/requests/")
    expect(customer.locator(f"#contact-request-{request_id}")).to_contain_text("invoice corrected")

    # The agent finds the customer and overrides a setting with a reason.
    agent.goto(site + "/support/")
    agent.get_by_label("Name, email, phone number or customer number").fill("camille@example.com")
    agent.locator("#customer-search-submit").click()
    agent.locator("#customer-results a").first.click()
    expect(agent).to_have_url(re.compile(r"/support/customers/\d+/$"))
    assert_accessible(agent)
    agent.goto(agent.url + "override/?key=customer.large_print")
    agent.locator("input[name=value][value=yes]").check()
    agent.locator("#id_reason_code").select_option("customer_call")
    agent.locator("#id_reason").fill("Asked for large print during the call.")
    agent.locator("#id_evidence").fill("call-2026-11-27-0042")
    agent.locator("#override-submit").click()
    expect(agent.get_by_role("status")).to_be_visible()

    customer.goto(site + "/my/history/")
    expect(customer.locator("table").first).to_contain_text("Large print on paper")
    expect(customer.locator("table").first).to_contain_text("Asked for large print during the call.")
    override_mail = [m for m in mail.outbox if "camille@example.com" in m.to and "Asked for large print" in m.body]
    assert override_mail, [m.subject for m in mail.outbox]
    customer_context.close()
    agent_context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_console_pages_are_accessible(browser, site, assert_accessible, language):
    make_customer_user("camille@example.com")
    make_staff_user("supervisor@example.com", "supervisor")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    staff_sign_in(page, site, "supervisor@example.com")
    for path in ["/support/", "/support/?q=camille", "/support/requests/", "/support/dashboard/", "/support/me/"]:
        page.goto(site + path)
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)
    context.close()
