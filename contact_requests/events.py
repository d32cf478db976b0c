"""The contact_request.* events other systems receive (their thin payload), written to the outbox."""

from typing import Any

from outbox.models import OutboxEvent
from outbox.services import event_record


def contact_request_event_record(*, type: str, contact_request, **extra: Any) -> OutboxEvent:
    """A contact_request.* event: the request's and customer's ids and its status, plus `extra`."""
    payload = {
        "contact_request_id": contact_request.pk,
        "customer_id": contact_request.customer_id,
        "external_id": contact_request.customer.external_id,
        "status": contact_request.status,
        **extra,
    }
    return event_record(type=type, payload=payload)
