"""Writes to the outbox: record a domain event inside its change's transaction, queue the relay once
the transaction commits, and redact a customer's events on erasure.

    domain service ──(same transaction)──► event_record(): one OutboxEvent row
    COMMIT ──► on_commit: the relay task, queued by name (a broker failure only logs; beat re-drives)

The relay itself (outbox → deliveries) belongs to the webhooks app, which this one never imports.
"""

import logging
from typing import Any

from django.db import transaction

from common.tasks import task_queue
from outbox.events import EventType
from outbox.models import OutboxEvent

logger = logging.getLogger(__name__)

# The webhooks app's task that fans new events out to deliveries (its name is in the beat schedule too).
RELAY_TASK = "webhooks.tasks.webhook_outbox_relay"


def event_record(*, type: str, payload: dict[str, Any]) -> OutboxEvent:
    """Write a domain event to the outbox. Call it INSIDE the transaction of the change it describes:
    the event exists if and only if the change was committed, and is relayed after the commit.

    `type` is an EventType value; `payload` is thin and JSON-serialisable (ids, the new version, what
    changed), e.g. for the erasure service:
    ``event_record(type=EventType.CUSTOMER_ERASED, payload={"customer_id": c.pk, "external_id": c.external_id})``.
    """
    if type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {type!r}.")
    event = OutboxEvent.objects.create(type=type, payload=payload)
    outbox_relay_on_commit()
    return event


def outbox_relay_on_commit() -> None:
    """Queue one relay per transaction, however many events it records (also for a service that wrote
    OutboxEvent rows itself, such as a bulk import)."""
    connection = transaction.get_connection()
    # A batch of a thousand changes queues one relay, not a thousand (nor a thousand broker timeouts
    # during an outage). The relay registered earlier still counts only while it is among the pending
    # callbacks: a rolled-back savepoint drops it, and it forgets itself once it has run.
    pending = getattr(connection, "_outbox_relay_pending", None)
    if (
        pending is not None
        and connection.in_atomic_block
        and any(func is pending for _sids, func, _robust in connection.run_on_commit)
    ):
        return

    def relay() -> None:
        if getattr(connection, "_outbox_relay_pending", None) is relay:
            connection._outbox_relay_pending = None
        outbox_relay_queue()

    connection._outbox_relay_pending = relay
    transaction.on_commit(relay)


def outbox_relay_queue() -> None:
    """Queue the relay now (after a commit, or when a relay found more events waiting)."""
    try:
        task_queue(RELAY_TASK)
    except Exception:  # the broker is down: the beat job relays the events later
        logger.warning("Could not queue the webhook relay; beat will re-drive it.", exc_info=True)


def customer_events_redact(*, customer_id: int) -> int:
    """Erasure: strip the identifying data from every outbox event of this customer recorded so far, so
    that no retry or replay ever sends it again. `external_id` becomes null and `erased: true` is added
    (a receiver must not create or update anything from such an event); the ids, versions, statuses and
    changed keys stay. Call it inside the erasure's transaction, before recording `customer.erased`
    (which alone keeps the external id: it is how a CRM finds the record it must erase)."""
    events = list(
        OutboxEvent.objects.filter(payload__customer_id=customer_id).exclude(type=EventType.CUSTOMER_ERASED).only("payload")
    )
    for event in events:
        event.payload = {**event.payload, "external_id": None, "erased": True}
    OutboxEvent.objects.bulk_update(events, ["payload"], batch_size=500)
    return len(events)
