"""Completing a request needs an outcome, and "reached" never comes before the appointment."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from contact_requests.models import ContactOutcome
from contact_requests.services import Actor, ContactRequestError, contact_request_complete, contact_request_schedule
from outbox.models import OutboxEvent
from tests.contact_requests.helpers import fitting_time, request_for

pytestmark = pytest.mark.django_db


def _scheduled(customer, agent):
    contact_request = request_for(customer)
    when = fitting_time(contact_request, now=timezone.now() + timedelta(days=1))
    contact_request_schedule(contact_request_id=contact_request.pk, actor=Actor.staff(agent), scheduled_for=when)
    return contact_request, when


def _complete(contact_request, agent, **fields):
    return contact_request_complete(contact_request_id=contact_request.pk, actor=Actor.staff(agent), **fields)


def test_outcomes_are_four():
    assert ContactOutcome.values == ["reached", "reached_earlier", "not_reached", "customer_cancelled"]


@pytest.mark.parametrize("outcome_code", ["", "done", None])
def test_an_outcome_is_required(customer_user, agent, outcome_code):
    contact_request = request_for(customer_user[1])
    with pytest.raises(ContactRequestError) as caught:
        _complete(contact_request, agent, outcome_code=outcome_code, outcome="Talked.")
    assert "outcome_code" in caught.value.message_dict
    contact_request.refresh_from_db()
    assert contact_request.status == "open" and contact_request.events.count() == 1


def test_reached_needs_what_was_agreed_but_not_reached_does_not(customer_user, agent):
    contact_request = request_for(customer_user[1])
    with pytest.raises(ContactRequestError) as caught:
        _complete(contact_request, agent, outcome_code="reached", outcome=" ")
    assert "outcome" in caught.value.message_dict
    done = _complete(contact_request, agent, outcome_code="not_reached")
    assert (done.status, done.outcome_code, done.outcome) == ("completed", "not_reached", "")


def test_reached_before_the_appointment_is_refused_even_with_a_note(customer_user, agent):
    contact_request, when = _scheduled(customer_user[1], agent)
    with translation.override("fr"), pytest.raises(ContactRequestError) as caught:
        _complete(contact_request, agent, outcome_code="reached", outcome="Talked.")
    assert "rendez-vous" in caught.value.message_dict["outcome_code"][0]
    assert "Joint avant le rendez-vous" in caught.value.message_dict["outcome_code"][0]
    contact_request.refresh_from_db()
    assert contact_request.status == "scheduled" and contact_request.outcome_code == ""
    # After the appointment, it is accepted.
    done = _complete(contact_request, agent, outcome_code="reached", outcome="Talked.", now=when + timedelta(hours=1))
    assert done.outcome_code == "reached"


def test_not_reached_before_the_appointment_needs_a_note_saying_why(customer_user, agent):
    contact_request, _when = _scheduled(customer_user[1], agent)
    with pytest.raises(ContactRequestError) as caught:
        _complete(contact_request, agent, outcome_code="not_reached", outcome="")
    assert "outcome" in caught.value.message_dict
    done = _complete(contact_request, agent, outcome_code="not_reached", outcome="The number no longer exists.")
    assert (done.status, done.outcome_code) == ("completed", "not_reached")


def test_a_customer_cancelling_says_why_by_itself(customer_user, agent):
    contact_request, _when = _scheduled(customer_user[1], agent)
    done = _complete(contact_request, agent, outcome_code="customer_cancelled", outcome="")
    assert (done.status, done.outcome_code) == ("completed", "customer_cancelled")


def test_reached_earlier_closes_before_the_appointment_with_what_was_agreed(customer_user, agent):
    contact_request, _when = _scheduled(customer_user[1], agent)
    with pytest.raises(ContactRequestError) as caught:
        _complete(contact_request, agent, outcome_code="reached_earlier", outcome="")
    assert "outcome" in caught.value.message_dict
    done = _complete(contact_request, agent, outcome_code="reached_earlier", outcome="The customer called us first.")
    assert (done.status, done.outcome_code) == ("completed", "reached_earlier")
    assert contact_request.events.last().outcome_code == "reached_earlier"


def test_reached_earlier_needs_an_appointment_still_to_come(customer_user, agent):
    contact_request, when = _scheduled(customer_user[1], agent)
    with pytest.raises(ContactRequestError) as caught:
        _complete(contact_request, agent, outcome_code="reached_earlier", outcome="Talked.", now=when + timedelta(hours=1))
    assert "outcome_code" in caught.value.message_dict
    unscheduled = request_for(customer_user[1])
    with pytest.raises(ContactRequestError):
        _complete(unscheduled, agent, outcome_code="reached_earlier", outcome="Talked.")


def test_the_outcome_is_recorded_on_the_event_and_told_to_other_systems(customer_user, agent):
    contact_request = request_for(customer_user[1])
    _complete(contact_request, agent, outcome_code="customer_cancelled", outcome="No longer needed.")
    event = contact_request.events.last()
    assert (event.kind, event.outcome_code, event.note) == ("completed", "customer_cancelled", "No longer needed.")
    payload = OutboxEvent.objects.filter(type="contact_request.changed").latest("pk").payload
    assert payload["outcome"] == "customer_cancelled" and payload["status"] == "completed"
