"""The console pages added for issue 16, in French and English, with no axe violation: the request page
with a chatbot's conversation, the agent's data-rights page asking a supervisor, the supervisors' list
of approvals and the decision page, and the dashboard with its weekly charts."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contact_requests.handoff import Conversation, ConversationTurn, contact_request_handoff
from contact_requests.models import CreatedByType
from privacy.models import DataRightsApproval
from tests.browser.test_support_console import staff_sign_in
from tests.conftest import make_customer_user, make_staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def _both_languages(page, site, assert_accessible):
    for language in ("fr", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        page.reload()
        expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{language}"))
        assert_accessible(page)


def test_handoff_four_eyes_and_weekly_dashboard_pages(browser, site, assert_accessible):
    _user, customer = make_customer_user("camille.martin@example.com")
    make_staff_user("agent@example.com", "agent")
    make_staff_user("supervisor@example.com", "supervisor")
    start = timezone.now() - timedelta(minutes=20)
    contact_request = contact_request_handoff(
        conversation=Conversation(
            bot_name="Sam",
            summary="Refund of order 1234 refused; wants a person to review it.",
            transcript=[
                ConversationTurn(speaker="customer" if index % 2 == 0 else "bot", text=f"Message <{index}>",
                                 time=start + timedelta(seconds=index))
                for index in range(8)
            ],
        ),
        customer=customer,
        reason="Wants a person.",
        preferred_channel="email",
        created_by_type=CreatedByType.API_CLIENT,
        actor_id="1",
    )

    agent = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    staff_sign_in(agent, site, "agent@example.com")
    agent.goto(f"{site}/support/requests/{contact_request.pk}/")
    expect(agent.locator("#conversation-summary")).to_contain_text("Refund of order 1234")
    transcript = agent.locator("details.conversation")
    expect(transcript).not_to_have_attribute("open", "")  # eight turns: folded
    transcript.locator("summary").click()
    expect(agent.locator("#conversation-transcript li")).to_have_count(8)
    _both_languages(agent, site, assert_accessible)

    # The agent asks a supervisor for an export.
    agent.goto(f"{site}/support/customers/{customer.pk}/privacy/")
    _both_languages(agent, site, assert_accessible)
    agent.locator("input[name=kind][value=export]").check()
    agent.locator("#id_approval_reason").fill("The customer asked by phone today.")
    agent.locator("#approval-request-submit").click()
    expect(agent.locator("#customer-approvals")).to_be_visible()
    approval = DataRightsApproval.objects.get()

    supervisor = browser.new_context(bypass_csp=True, locale="fr-FR").new_page()
    staff_sign_in(supervisor, site, "supervisor@example.com")
    supervisor.goto(f"{site}/support/approvals/")
    expect(supervisor.locator(f"#approval-{approval.pk}")).to_be_visible()
    _both_languages(supervisor, site, assert_accessible)
    supervisor.goto(f"{site}/support/approvals/{approval.pk}/")
    _both_languages(supervisor, site, assert_accessible)
    supervisor.locator("input[name=decision][value=approve]").check()
    supervisor.locator("#id_reason").fill("Identity checked on the call.")
    supervisor.locator("#approval-decide").click()
    expect(supervisor.locator("#approvals-decided")).to_be_visible()
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.export_id

    supervisor.goto(f"{site}/support/dashboard/")
    expect(supervisor.locator("#chart-opt-outs-per-week-table")).to_be_visible()
    expect(supervisor.locator("#chart-ai-refusals-per-week-table")).to_be_visible()
    _both_languages(supervisor, site, assert_accessible)
    supervisor.set_viewport_size({"width": 390, "height": 844})
    assert supervisor.evaluate("document.documentElement.scrollWidth") <= 390
