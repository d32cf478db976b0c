"""The contact_request.* events other systems receive (their thin payload), written to the outbox."""

from typing import Any

from outbox.models import OutboxEvent
from outbox.services import event_record
from preferences.catalog import catalog_get


def contact_request_event_record(*, type: str, contact_request, **extra: Any) -> OutboxEvent:
    """A contact_request.* event: the request's and customer's ids, its topic's code (or null) and its
    status, plus `extra`. The topic lets endpoints that filter by topic choose (webhooks.models.event_topics)."""
    topics = {topic.pk: topic.code for topic in catalog_get().topics}
    payload = {
        "contact_request_id": contact_request.pk,
        "customer_id": contact_request.customer_id,
        "external_id": contact_request.customer.external_id,
        "topic": topics.get(contact_request.topic_id),
        "status": contact_request.status,
        **extra,
    }
    return event_record(type=type, payload=payload)
