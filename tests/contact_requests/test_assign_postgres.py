"""Two members of staff press "Assign to me" on the same open request at the same moment, each on
its own connection (PostgreSQL: the request's row lock orders them): one gets it, the other is told
who did; the request has one holder and one "assigned" step."""

from contact_requests.models import ContactRequest, ContactRequestEvent
from contact_requests.services import Actor, ContactRequestError, contact_request_assign
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
