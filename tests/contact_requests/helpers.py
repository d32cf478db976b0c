"""Set requests up through the services, as the portal, the console and the API would."""

from contact_requests.models import CreatedByType
from contact_requests.services import Actor, contact_request_create


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
