"""The customer changes then cancels requests while nobody has taken them, the agent schedules inside
the customer's slot from the proposed times, and the customer sees the request taken and every step in
their history: each page in French and English with no axe violation."""

import re
from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contact_requests.models import ContactRequest
from tests.browser.test_console_work import _both_languages
from tests.browser.test_customer_journey import sign_in
from tests.browser.test_support_console import staff_sign_in
from tests.conftest import make_customer_user, make_staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def _ask(page, site, reason, slot):
    page.goto(site + "/my/requests/")
    page.locator("#id_reason").fill(reason)
    page.locator("input[name=preferred_channel][value=email]").check()
    page.locator(f"input[name=preferred_time_slots][value={slot}]").check()
    page.locator("#contact-request-submit").click()
    expect(page.get_by_role("status")).to_be_visible()


def test_customer_changes_and_cancels_and_the_agent_schedules_inside_the_slot(browser, site, assert_accessible):
    make_customer_user("camille.martin@example.com")
    make_staff_user("agent@example.com", "agent")

    customer = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    sign_in(customer, site, "camille.martin@example.com")
    _ask(customer, site, "Une question sur mon contrat.", "weekday_morning")
    # The confirmation repeats the slot; the urgent box gives the opening hours.
    expect(customer.get_by_role("status")).to_contain_text("9 h")
    expect(customer.locator("#team-opening-hours")).to_contain_text(re.compile(r"9\sh\s–\s18\sh"))
    kept = ContactRequest.objects.get()

    # Change the slot to weekday afternoons.
    customer.locator(f"#change-request-{kept.pk}").click()
    expect(customer.locator("h1")).to_have_text(re.compile("Modifier"))
    _both_languages(customer, site, assert_accessible)
    customer.locator("input[name=preferred_time_slots][value=weekday_morning]").uncheck()
    customer.locator("input[name=preferred_time_slots][value=weekday_afternoon]").check()
    customer.locator("#change-request-submit").click()
    expect(customer.get_by_role("status")).to_be_visible()
    kept.refresh_from_db()
    assert kept.preferred_time_slots == ["weekday_afternoon"]

    # A second request, cancelled from its page: "Cancel this request" asks first, "No, keep it" keeps it.
    _ask(customer, site, "Finalement rien.", "weekday_lunch")
    dropped = ContactRequest.objects.exclude(pk=kept.pk).get()
    customer.goto(site + f"/my/requests/{dropped.pk}/change/")
    customer.locator(f"#cancel-request-{dropped.pk}").click()
    expect(customer.locator("h1")).to_have_text("Cancel this request?")  # English since _both_languages above
    _both_languages(customer, site, assert_accessible)
    customer.locator("#cancel-request-keep").click()
    expect(customer.locator(f"#cancel-request-{dropped.pk}")).to_be_visible()
    dropped.refresh_from_db()
    assert dropped.status == "open"
    # With the keyboard alone: the link, then "Yes, cancel it".
    customer.locator(f"#cancel-request-{dropped.pk}").focus()
    customer.keyboard.press("Enter")
    expect(customer.locator("#cancel-request-confirm")).to_be_visible()
    customer.locator("#cancel-request-confirm").focus()
    customer.keyboard.press("Enter")
    expect(customer.get_by_role("status")).to_contain_text("Your request is cancelled")
    dropped.refresh_from_db()
    assert dropped.status == "cancelled"

    # The agent schedules at the first proposed time: inside the customer's afternoon slot.
    agent = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    staff_sign_in(agent, site, "agent@example.com")
    agent.goto(site + f"/support/requests/{kept.pk}/")
    expect(agent.locator("#request-proposal-0")).to_be_visible()
    _both_languages(agent, site, assert_accessible)
    agent.locator("#request-proposal-0").click()
    expect(agent.locator("#request-status")).to_have_text(re.compile("Scheduled|Planifiée|Programmée|Rendez-vous", re.I))
    kept.refresh_from_db()
    local: datetime = timezone.localtime(kept.scheduled_for)
    assert kept.status == "scheduled" and 14 <= local.hour < 18 and local.weekday() < 5
    # A time outside the window is refused until a reason and the customer's agreement are given.
    agent.locator("#id_scheduled_for").fill(local.replace(hour=21).strftime("%Y-%m-%dT%H:%M"))
    agent.locator("#request-schedule").click()
    expect(agent.locator("#id_customer_agreed_error")).to_be_visible()
    assert_accessible(agent)

    # The customer sees it taken, and every step in their history.
    customer.goto(site + "/my/requests/")
    expect(customer.locator(f"#taken-request-{kept.pk}")).to_be_visible()
    expect(customer.locator(f"#change-request-{kept.pk}")).to_have_count(0)
    _both_languages(customer, site, assert_accessible)
    customer.goto(site + "/my/history/")
    _both_languages(customer, site, assert_accessible)
    steps = customer.locator("#request-steps")
    expect(steps.locator(".request-step-created")).to_have_count(2)
    expect(steps.locator(".request-step-changed")).to_have_count(1)
    expect(steps.locator(".request-step-cancelled")).to_have_count(1)
    expect(steps.locator(".request-step-scheduled")).to_contain_text("We set an appointment with you")
