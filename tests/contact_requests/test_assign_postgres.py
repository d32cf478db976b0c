"""Two members of staff press "Assign to me" on the same open request at the same moment, each on
its own connection (PostgreSQL: the request's row lock orders them): one gets it, the other is told
who did; the request has one holder and one "assigned" step."""

from contact_requests.models import ContactRequest, ContactRequestEvent
from contact_requests.services import Actor, ContactRequestError, contact_request_assign, contact_request_complete
from tests.conftest import make_customer_user, make_staff_user
from tests.contact_requests.helpers import request_for
from tests.postgresql import CONCURRENT_WRITERS
from tests.security.test_concurrency import _in_threads

pytestmark = CONCURRENT_WRITERS


def test_simultaneous_assign_to_me_gives_the_request_to_exactly_one_person():
    _, customer = make_customer_user()
    staff = [make_staff_user(f"agent{index}@example.com", "agent") for index in range(4)]
    for _round in range(5):
        contact_request = request_for(customer)
        won: list = []

        def assign(person, contact_request_id=contact_request.pk, won=won):
            try:
                contact_request_assign(
                    contact_request_id=contact_request_id,
                    actor=Actor.staff(person),
                    assignee=person,
                    seen_assignee_id=None,  # everybody's page showed nobody holding it
                )
            except ContactRequestError:
                return
            won.append(person)

        errors = _in_threads([lambda person=person: assign(person) for person in staff])
        assert errors == []
        holder = ContactRequest.objects.get(pk=contact_request.pk).assigned_to
        assert won == [holder]
        steps = ContactRequestEvent.objects.filter(contact_request_id=contact_request.pk, kind="assigned")
        assert list(steps.values_list("note", flat=True)) == [holder.email]
        # Done with: five are the most a customer may have open.
        ContactRequest.objects.filter(pk=contact_request.pk).update(status="completed")


def test_simultaneous_take_over_and_complete_closes_the_request_once():
    """Three colleagues each press "Take over and complete" on the same request an agent holds, on their
    own connections: one completes it, taking it from the agent; the others are refused (it is closed)."""
    _, customer = make_customer_user("dominique@example.com")
    holder = make_staff_user("holder@example.com", "agent")
    staff = [make_staff_user(f"colleague{index}@example.com", "agent") for index in range(3)]
    for _round in range(3):
        contact_request = request_for(customer)
        contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(holder), assignee=holder)
        won: list = []

        def complete(person, contact_request_id=contact_request.pk, won=won):
            try:
                contact_request_complete(contact_request_id=contact_request_id, actor=Actor.staff(person),
                                         outcome_code="not_reached", outcome="No answer.", take_over_from=holder.pk)
            except ContactRequestError:
                return
            won.append(person)

        errors = _in_threads([lambda person=person: complete(person) for person in staff])
        assert errors == []
        closed = ContactRequest.objects.get(pk=contact_request.pk)
        assert (closed.status, [closed.assigned_to]) == ("completed", won)
        steps = ContactRequestEvent.objects.filter(contact_request_id=contact_request.pk, kind="completed")
        assert [step.details["taken_over_from"] for step in steps] == [holder.email]
