"""The customer.* events other systems receive (their thin payload: ids, version, what changed), written to the outbox."""

from typing import Any

from outbox.models import OutboxEvent
from outbox.services import event_record


def customer_event_payload(customer, **extra: Any) -> dict[str, Any]:
    """The payload of a customer.* event: the customer's ids and current version, plus `extra`
    (changed=[keys]; erased_at and the external id as it was, for customer.erased)."""
    return {"customer_id": customer.pk, "external_id": customer.external_id, "version": customer.version, **extra}


def customer_event_record(*, type: str, customer, **extra: Any) -> OutboxEvent:
    """Record a customer.* event in the outbox (inside the change's transaction)."""
    return event_record(type=type, payload=customer_event_payload(customer, **extra))
