"""The relay of the outbox to webhooks: each new event becomes one delivery per enabled endpoint that
wants it, each delivery is queued, and the beat job re-drives what a broker outage left behind.

    outbox COMMIT ──► relay task (queued by outbox.services) ──► outbox_relay()
    relay: one WebhookDelivery per enabled endpoint that wants the event (its type; its topics, when the
           endpoint lists some: WebhookEndpoint.wants) ──► on_commit: one task each
    beat (webhooks_redrive): relay left-behind events, queue every due delivery again
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from common.tasks import task_queue
from outbox.models import OutboxEvent
from outbox.services import outbox_relay_queue, relay_pending_clear
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

RELAY_BATCH = 500
REDRIVE_BATCH = 1000
ATTEMPT_TASK = "webhooks.tasks.webhook_delivery_attempt"


def deliveries_queue(delivery_ids: list[int]) -> None:
    """Queue an attempt of each delivery once the transaction commits (a broker failure only logs)."""

    def queue() -> None:
        for delivery_id in delivery_ids:
            try:
                task_queue(ATTEMPT_TASK, delivery_id)
            except Exception:  # the broker is down: the beat job re-drives every due delivery
                logger.warning("Could not queue webhook delivery %s; beat will re-drive it.", delivery_id)
                return

    if delivery_ids:
        transaction.on_commit(queue)


def outbox_relay(*, now: datetime | None = None) -> list[int]:
    """Give every event not yet relayed a delivery per enabled endpoint that wants it; queue them."""
    now = now or timezone.now()
    relay_pending_clear()  # before reading: an event committed from now on queues a relay again
    with transaction.atomic():
        # Concurrent relays take different events (PostgreSQL); SQLite serialises writers anyway.
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(fanned_out_at__isnull=True)
            .order_by("pk")[:RELAY_BATCH]
        )
        if not events:
            return []
        endpoints = list(WebhookEndpoint.objects.filter(is_enabled=True).only("pk", "event_types", "topics"))
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now, retry_window_started_at=now)
                for event in events
                for endpoint in endpoints
                if endpoint.wants(event)
            ]
        )
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(fanned_out_at=now)
        ids = [delivery.pk for delivery in deliveries]
        deliveries_queue(ids)
    if len(events) == RELAY_BATCH:
        outbox_relay_queue()  # more are waiting
    return ids


def webhooks_redrive(*, now: datetime | None = None) -> int:
    """Beat job: relay left-behind events and queue every due delivery (lost tasks, retries)."""
    outbox_relay(now=now)
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:REDRIVE_BATCH]
    )
    deliveries_queue(due)
    return len(due)
