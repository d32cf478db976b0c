"""The pages changed for "talk to a person that keeps its promise", in French and English, with no axe
violation: the customer's request form offering only reachable channels, the console's search by a
part of an address, the queue's filters with counts, and the request page with the address to use and
the outcome of a completion."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_customer_journey import sign_in
from tests.browser.test_support_console import staff_sign_in
from tests.conftest import make_customer_user, make_staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def _both_languages(page, site, assert_accessible):
    """Check the page in French, then in English (the language cookie, the page reloaded)."""
    for language in ("fr", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        page.reload()
        expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{language}"))
        assert_accessible(page)


def test_request_form_queue_filters_search_and_outcome_in_both_languages(browser, site, assert_accessible):
    make_customer_user("camille.martin@example.com")
    make_staff_user("agent@example.com", "agent")

    # The customer has no phone: no call offered, and a way to add the number.
    customer = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    sign_in(customer, site, "camille.martin@example.com")
    customer.goto(site + "/my/requests/")
    expect(customer.locator("input[name=preferred_channel][value=phone]")).to_have_count(0)
    expect(customer.locator("#unreachable-channels")).to_be_visible()
    _both_languages(customer, site, assert_accessible)
    customer.locator("#unreachable-channels a[href*='add=phone']").first.click()
    expect(customer).to_have_url(re.compile(r"/my/channels/\?add=phone&then=request#add-phone$"))
    expect(customer.locator("#add-phone")).to_have_attribute("open", "")
    customer.goto(site + "/my/requests/")
    customer.locator("#id_reason").fill("A question about my contract.")
    customer.locator("input[name=preferred_channel][value=email]").check()
    customer.locator("input[name=preferred_time_slots][value=weekday_afternoon]").check()
    customer.locator("#contact-request-submit").click()
    expect(customer.get_by_role("status")).to_be_visible()
    request_id = customer.locator("article.contact-request").first.get_attribute("id").rsplit("-", 1)[1]

    # The agent finds the customer by a part of their address.
    agent = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    staff_sign_in(agent, site, "agent@example.com")
    agent.goto(site + "/support/?q=amille.mar")
    expect(agent.locator("#customer-results a")).to_have_count(1)
    _both_languages(agent, site, assert_accessible)

    # The queue: filters as labelled selects, counts in their text.
    agent.goto(site + "/support/requests/")
    agent.get_by_label("Assigned to").select_option("unassigned")
    agent.get_by_label("Contact by").select_option("email")
    agent.locator("#queue-filter-submit").click()
    expect(agent).to_have_url(re.compile(r"assigned=unassigned"))
    expect(agent.locator(f"#queue-request-{request_id}")).to_be_visible()
    expect(agent.locator("#id_assigned option[value=unassigned]")).to_have_text("Nobody yet (1)")
    _both_languages(agent, site, assert_accessible)

    # The request: the address to write to, then a completion with its outcome.
    agent.locator(f"#queue-request-{request_id} a").first.click()
    expect(agent.locator("#request-reach a[href='mailto:camille.martin@example.com']")).to_be_visible()
    _both_languages(agent, site, assert_accessible)
    agent.locator("input[name=outcome_code][value=reached]").check()
    agent.locator("#id_outcome").fill("")
    agent.locator("#request-complete").click()
    expect(agent.locator("#id_outcome_error")).to_be_visible()
    assert_accessible(agent)
    agent.locator("input[name=outcome_code][value=reached]").check()
    agent.locator("#id_outcome").fill("Contract explained; nothing to change.")
    agent.locator("#request-complete").click()
    expect(agent.locator("#request-outcome-code")).to_be_visible()
    _both_languages(agent, site, assert_accessible)
