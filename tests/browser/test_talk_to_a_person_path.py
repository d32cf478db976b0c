"""The whole "talk to a person" path of issue 16, through the real pages: a customer without a phone asks
for a call, adds and verifies a number on the way (the code read from the SMS outbox) and comes back to
the request form; an agent finds the customer by a part of their name, opens the request, schedules it
at a proposed time inside the customer's slot and completes it with an outcome; the customer sees each
step in their history. axe on every page visited (the agent in French, the customer in French and in
English)."""

import re
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from accounts.roles import CUSTOMER, role_grant
from contact_requests.models import ContactRequest, ContactRequestEvent
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.browser.test_customer_journey import sign_in
from tests.browser.test_support_console import staff_sign_in
from tests.conftest import PASSWORD, make_staff_user
from tests.preferences.helpers import sms_code

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "camille.martin@example.com"


def _customer_with_a_name(language):
    """Like tests.conftest.make_customer_user, with a first and last name for the console's search."""
    user = User.objects.create_user(email=EMAIL, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    role_grant(user, CUSTOMER)
    return customer_create(
        user=user, email=EMAIL, first_name="Camille", last_name="Martin-Delacroix", language=language,
        email_verified=True, context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_call_asked_without_a_phone_is_scheduled_completed_and_seen_in_the_history(
    browser, site, assert_accessible, language
):
    customer_record = _customer_with_a_name(language)
    make_staff_user("agent@example.com", "agent")

    # The customer has only an email: no call offered, a link to add a number instead.
    context = browser.new_context(bypass_csp=True, locale=f"{language}-FR")
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    customer = context.new_page()
    sign_in(customer, site, EMAIL)
    customer.goto(site + "/my/requests/")
    expect(customer.locator("html")).to_have_attribute("lang", language)
    expect(customer.locator("input[name=preferred_channel][value=phone]")).to_have_count(0)
    assert_accessible(customer)
    customer.locator("#unreachable-channels a[href*='add=phone']").first.click()

    # Add the number, with the password; the code comes by SMS.
    expect(customer.locator("#add-phone")).to_have_attribute("open", "")
    assert_accessible(customer)
    customer.locator("#id_add_phone_value").fill("06 12 34 56 78")
    customer.locator("#id_add_phone_password").fill(PASSWORD)
    customer.locator("#add-phone button[type=submit]").click()
    code_field = customer.locator("input[name=code]")
    expect(code_field).to_be_visible()
    expect(customer.locator("#back-to-request")).to_be_visible()  # the way back is there at every step
    assert_accessible(customer)
    # A wrong code first: an error on the same page, the way back still there.
    code_field.fill("000000" if sms_code() != "000000" else "111111")
    code_field.press("Enter")
    expect(customer.locator(".errorlist")).to_be_visible()
    expect(customer.locator("#back-to-request")).to_be_visible()
    assert_accessible(customer)
    customer.locator("input[name=code]").fill(sms_code())
    customer.locator("input[name=code]").press("Enter")

    # Back on the request form, the call now offered and chosen.
    expect(customer).to_have_url(re.compile(r"/my/requests/\?channel=phone#new-request$"))
    expect(customer.get_by_role("status")).to_be_visible()
    expect(customer.locator("input[name=preferred_channel][value=phone]")).to_be_checked()
    assert_accessible(customer)
    customer.locator("#id_reason").fill("Une question sur ma facture de novembre.")
    customer.locator("input[name=preferred_time_slots][value=weekday_afternoon]").check()
    customer.locator("#contact-request-submit").click()
    expect(customer.get_by_role("status")).to_be_visible()
    assert_accessible(customer)
    contact_request = ContactRequest.objects.get()
    assert contact_request.preferred_channel == "phone"
    assert contact_request.preferred_time_slots == ["weekday_afternoon"]

    # The agent finds the customer by a part of their name, then the request from the customer's page.
    agent = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    agent.context.add_cookies([{"name": "django_language", "value": "fr", "url": site}])
    staff_sign_in(agent, site, "agent@example.com")
    agent.goto(site + "/support/")
    assert_accessible(agent)
    agent.locator("#id_q").fill("delacr")
    agent.locator("#customer-search-submit").click()
    results = agent.locator("#customer-results a")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Martin-Delacroix")
    assert_accessible(agent)
    results.click()
    expect(agent).to_have_url(re.compile(rf"/support/customers/{customer_record.pk}/$"))
    assert_accessible(agent)
    agent.locator(f"#customer-requests #queue-request-{contact_request.pk} a").first.click()
    expect(agent).to_have_url(re.compile(rf"/support/requests/{contact_request.pk}/$"))
    expect(agent.locator("#request-reach a[href='tel:+33612345678']")).to_be_visible()  # the number to call
    assert_accessible(agent)

    # Scheduled at the first proposed time: a weekday afternoon, in the customer's zone.
    agent.locator("#request-proposal-0").click()
    expect(agent.locator("#request-status")).to_have_text(re.compile("Planifiée|Programmée|Rendez-vous", re.I))
    assert_accessible(agent)
    contact_request.refresh_from_db()
    assert contact_request.status == "scheduled"
    local = timezone.localtime(contact_request.scheduled_for, ZoneInfo(customer_record.time_zone))
    assert local.weekday() < 5 and 14 <= local.hour < 18, local

    # Completed: "reached" before the appointment is refused with a message saying what to choose.
    agent.locator("input[name=outcome_code][value=reached]").check()
    agent.locator("#id_outcome").fill("Facture expliquée, rien à changer.")
    agent.locator("#request-complete").click()
    expect(agent.locator("#id_outcome_code_error")).to_be_visible()
    assert_accessible(agent)
    agent.locator("input[name=outcome_code][value=reached_earlier]").check()
    agent.locator("#id_outcome").fill("La cliente a rappelé plus tôt : facture expliquée, rien à changer.")
    agent.locator("#request-complete").click()
    expect(agent.locator("#request-outcome-code")).to_be_visible()
    assert_accessible(agent)
    contact_request.refresh_from_db()
    assert contact_request.status == "completed" and contact_request.outcome_code == "reached_earlier"

    # The customer sees each step, in their language.
    customer.goto(site + "/my/requests/")
    expect(customer.locator(f"#contact-request-{contact_request.pk} .contact-request-outcome")).to_be_visible()
    assert_accessible(customer)
    customer.goto(site + "/my/history/")
    steps = customer.locator("#request-steps")
    for kind in ("created", "scheduled", "completed"):
        expect(steps.locator(f".request-step-{kind}")).to_have_count(1)
    kinds = set(ContactRequestEvent.objects.filter(contact_request=contact_request).values_list("kind", flat=True))
    assert {"created", "scheduled", "completed"} <= kinds
    phone_word = {"fr": "par téléphone", "en": "by phone"}[language]  # the channel inside the sentence
    expect(steps.locator(".request-step-created")).to_contain_text(phone_word, ignore_case=True)
    assert_accessible(customer)
    # The number added on the way is in the consent history too.
    expect(customer.locator("table").first).to_contain_text(re.compile(r"6\D?12\D?34\D?56\D?78"))
    context.close()
