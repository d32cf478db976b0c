"""Writes to the outbox: record a domain event inside its change's transaction, queue the relay once
the transaction commits, and redact a customer's events on erasure.

    domain service ──(same transaction)──► event_record(): one OutboxEvent row
    COMMIT ──► on_commit: the relay task, queued by name (a broker failure only logs; beat re-drives),
               unless one is queued and not yet started (the pending flag, below)

The relay itself (outbox → deliveries) belongs to the webhooks app, which this one never imports.
"""

import logging
from typing import Any

import redis
from django.core.cache import cache
from django.db import transaction

from common.pg_rows import instances_insert
from common.shared_redis import shared_redis
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
    # Without the ORM's compiler, so that a change's writes can go in one round trip (writes_batched).
    [event] = instances_insert([OutboxEvent(type=type, payload=payload)])
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
    """Queue the relay now (after a commit, or when a relay found more events waiting), unless a relay
    is already queued and has not started yet: that one will read this event (relay_pending_clear)."""
    if not _relay_pending_raise():
        return
    try:
        task_queue(RELAY_TASK)
    except Exception:  # the broker is down: the beat job relays the events later
        relay_pending_clear()  # the next commit tries the broker again
        logger.warning("Could not queue the webhook relay; beat will re-drive it.", exc_info=True)


# "A relay is queued and has not started": a flag in the shared cache (Redis), so that a busy site
# queues one relay per relay run instead of one per change (queuing a task was a fifth of a change's
# time). Why no event waits: a change commits, then tries to raise the flag. Finding it raised means
# some relay was queued and has not yet cleared it; a relay clears it before it reads the outbox, so
# that relay reads this committed event. The flag expires after RELAY_PENDING_SECONDS, in case its
# task is lost (a worker killed before it ran, a broker restarted empty): the next change then queues
# again, and the beat job re-drives in any case. With a per-process cache (development, tests) the
# worker could not clear a flag raised here: every commit queues, as before.
RELAY_PENDING_KEY = "outbox:relay-pending:v1"
RELAY_PENDING_SECONDS = 10


def _relay_pending_raise() -> bool:
    """Raise the flag: True when this caller raised it (and must queue the relay), False when it was up."""
    client = shared_redis()
    if client is None:
        return True
    try:
        return bool(client.set(cache.make_key(RELAY_PENDING_KEY), 1, nx=True, ex=RELAY_PENDING_SECONDS))
    except redis.RedisError:  # no cache: queue, as without a flag
        return True


def relay_pending_clear() -> None:
    """Lower the flag. The relay calls it as it starts, before reading the outbox: an event committed
    after that queues a relay of its own."""
    client = shared_redis()
    if client is None:
        return
    try:
        client.delete(cache.make_key(RELAY_PENDING_KEY))
    except redis.RedisError:  # the flag expires on its own
        logger.warning("Could not clear the relay's pending flag; it expires in %s s.", RELAY_PENDING_SECONDS)


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
