"""The console shows the ledger and a request's steps in staff wording: who acted (the staff member's
address, not "you"), through what, reason codes by their label, times formatted in the team's zone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_requests.services import Actor, contact_request_schedule
from support.services import customer_override_apply
from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db


def test_the_ledger_speaks_to_staff(agent_client, customer_user, agent, django_assert_max_num_queries):
    _, customer = customer_user
    customer_override_apply(
        customer_id=customer.pk,
        changes={"customer.large_print": True},
        staff_user=agent,
        reason_code="customer_call",
        reason="Asked during the call.",
        evidence="call-42",
    )
    with django_assert_max_num_queries(20):
        page = agent_client.get(f"/support/customers/{customer.pk}/").content.decode()
    ledger = page[page.index('id="customer-ledger"') :]
    assert "<strong>Demande du client par téléphone</strong>" in ledger
    assert "<strong>customer_call</strong>" not in ledger
    assert "membre de l’équipe agent@example.com · console" in ledger
    assert "le client · portail client" in ledger
    assert ">vous" not in ledger and "ce portail" not in ledger
    assert "Quand (Europe/Paris)" in ledger
    agent_client.cookies["django_language"] = "en"
    english = agent_client.get(f"/support/customers/{customer.pk}/").content.decode()
    assert "<strong>Customer&#x27;s request by phone</strong>" in english
    assert "staff member agent@example.com · console" in english


def test_a_request_s_steps_show_the_appointment_formatted_not_an_iso_string(agent_client, customer_user, agent):
    contact_request = request_for(customer_user[1])
    when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=18, minute=30, second=0, microsecond=0)
    # 18:30 is after closing time: set with the customer's agreement, recorded on the step.
    contact_request_schedule(
        contact_request_id=contact_request.pk,
        actor=Actor.staff(agent),
        scheduled_for=when,
        outside_reason="The customer asked for the evening.",
        customer_agreed=True,
    )
    agent_client.cookies["django_language"] = "en"
    page = agent_client.get(f"/support/requests/{contact_request.pk}/").content.decode()
    steps = page[page.index('id="request-events"') :]
    assert when.isoformat() not in steps
    assert "18:30" in steps
    assert "staff member agent@example.com" in steps
    assert "The customer asked for the evening." in steps and "the customer agreed" in steps
    assert "the customer" in steps


def test_the_unreachable_note_is_not_said_optional_twice(agent_client, customer_user):
    contact_request = request_for(customer_user[1])
    page = agent_client.get(f"/support/requests/{contact_request.pk}/").content.decode()
    assert "(facultative) (facultatif)" not in page and "(optional) (optional)" not in page
