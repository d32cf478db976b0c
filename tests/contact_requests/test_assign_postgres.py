"""Races on one request or one customer, each side on its own connection (PostgreSQL row locks).

Two members of staff press "Assign to me" on the same open request at the same moment, each on
its own connection (PostgreSQL: the request's row lock orders them): one gets it, the other is told
who did; the request has one holder and one "assigned" step."""

from contact_requests.actors import ContactRequestLimitReached, ContactRequestTaken
from contact_requests.models import ContactRequest, ContactRequestEvent
from contact_requests.services import (
    MAX_ACTIVE_PER_CUSTOMER,
    Actor,
    ContactRequestError,
    contact_request_assign,
    contact_request_cancel,
    contact_request_complete,
)
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


def test_simultaneous_requests_from_one_customer_stop_at_the_limit():
    """Eight requests from the same customer at once (a double-clicking page, a retrying integrator), each
    on its own connection: the customer's row lock makes them count one after the other, so exactly five
    are open and the other three are told the limit; each open one has its "created" step."""
    _, customer = make_customer_user("sacha@example.com")
    created: list = []
    refused: list = []

    def ask(index):
        try:
            created.append(request_for(customer, reason=f"Question {index}"))
        except ContactRequestLimitReached as error:
            refused.append(error)

    errors = _in_threads([lambda index=index: ask(index) for index in range(8)])
    assert errors == []
    assert (len(created), len(refused)) == (MAX_ACTIVE_PER_CUSTOMER, 8 - MAX_ACTIVE_PER_CUSTOMER)
    open_requests = ContactRequest.objects.filter(customer=customer)
    assert open_requests.count() == MAX_ACTIVE_PER_CUSTOMER
    steps = ContactRequestEvent.objects.filter(contact_request__customer=customer, kind="created")
    assert steps.count() == MAX_ACTIVE_PER_CUSTOMER


def test_a_cancel_and_an_assign_at_once_leave_one_of_them_done():
    """The customer confirms "Yes, cancel it" while an agent presses "Assign to me", on their own
    connections: either the request is cancelled and the agent is refused, or the agent holds it and the
    customer is told a person has taken it; never a cancelled request with a holder, never both steps."""
    _, customer = make_customer_user("lina@example.com")
    agent = make_staff_user("quick@example.com", "agent")
    for _round in range(6):
        contact_request = request_for(customer)
        results: dict = {}

        def cancel(contact_request_id=contact_request.pk, results=results):
            try:
                contact_request_cancel(contact_request_id=contact_request_id, actor=Actor.customer(customer))
                results["cancel"] = "done"
            except ContactRequestTaken:
                results["cancel"] = "taken"

        def assign(contact_request_id=contact_request.pk, results=results):
            try:
                contact_request_assign(contact_request_id=contact_request_id, actor=Actor.staff(agent),
                                       assignee=agent, seen_assignee_id=None)
                results["assign"] = "done"
            except ContactRequestError:
                results["assign"] = "refused"

        assert _in_threads([cancel, assign]) == []
        stored = ContactRequest.objects.get(pk=contact_request.pk)
        kinds = set(
            ContactRequestEvent.objects.filter(contact_request=stored).exclude(kind="created").values_list("kind", flat=True)
        )
        if results == {"cancel": "done", "assign": "refused"}:
            assert (stored.status, stored.assigned_to, kinds) == ("cancelled", None, {"cancelled"})
        else:
            assert results == {"cancel": "taken", "assign": "done"}
            assert (stored.status, stored.assigned_to, kinds) == ("assigned", agent, {"assigned"})
            ContactRequest.objects.filter(pk=stored.pk).update(status="completed")  # five open at most
