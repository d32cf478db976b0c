"""Set requests up through the services, as the portal, the console and the API would."""

from django.utils import timezone

from contact_requests.models import CreatedByType
from contact_requests.services import Actor, contact_request_create
from contact_requests.timing import appointments_proposed


def request_for(customer, **overrides):
    values = {
        "customer": customer,
        "reason": "I want to understand my bill.",
        "preferred_channel": "email",
        "created_by_type": CreatedByType.CUSTOMER,
        "actor_id": str(customer.user_id or ""),
    }
    values.update(overrides)
    return contact_request_create(**values)


def staff_actor(user) -> Actor:
    return Actor.staff(user)


def fitting_time(contact_request, *, now=None):
    """The first moment the console proposes for this request (in the customer's slots, team open)."""
    return appointments_proposed(contact_request=contact_request, now=now or timezone.now(), count=1)[0]
