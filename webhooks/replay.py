"""Replays: send a delivery again, or every failed and dead delivery of an endpoint in a time range
(and the events it never got while disabled), with the same webhook-id and a fresh retry window."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.models import OutboxEvent
from webhooks.endpoints import EndpointDisabled, WebhookError
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.relay import deliveries_queue

REPLAY_MAX = 10_000


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with the same webhook-id and a fresh retry window, whatever its status."""
    if not delivery.endpoint.is_enabled:
        raise EndpointDisabled({"endpoint": _("Enable the endpoint before replaying its deliveries.")})
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**_replayed_fields(now))
        deliveries_queue([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def _replayed_fields(now: datetime) -> dict[str, Any]:
    """A replay starts a new round of attempts: the delivery's fields describe that round only (an earlier
    round's `delivered_at` beside `status: pending` said two things at once). Nothing is lost: every
    attempt of every round stays in its log (DeliveryAttempt: when, status code, latency, error)."""
    return {
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "retry_window_started_at": now,
        "last_status_code": None,
        "last_error": "",
        "last_latency_ms": None,
        "delivered_at": None,
        "dead_at": None,
    }


def deliveries_replay_range(
    *, endpoint: WebhookEndpoint, since: datetime, until: datetime, include_succeeded: bool = False
) -> int:
    """Replay an endpoint's events of [since, until): its failed and dead deliveries (and succeeded
    ones if asked), and the events it never got a delivery for because it was disabled then."""
    if not endpoint.is_enabled:
        raise EndpointDisabled({"endpoint": _("Enable the endpoint before replaying its deliveries.")})
    if until <= since:
        raise WebhookError({"until": _("The end of the range must come after its start.")})
    now = timezone.now()
    statuses = [DeliveryStatus.FAILED, DeliveryStatus.DEAD] + ([DeliveryStatus.SUCCEEDED] if include_succeeded else [])
    with transaction.atomic():
        in_range = Q(event__created_at__gte=since, event__created_at__lt=until)
        ids = list(
            WebhookDelivery.objects.filter(in_range, endpoint=endpoint, status__in=statuses)
            .order_by("pk")
            .values_list("pk", flat=True)[:REPLAY_MAX]
        )
        WebhookDelivery.objects.filter(pk__in=ids).update(**_replayed_fields(now))
        missing = [
            event
            for event in OutboxEvent.objects.filter(
                created_at__gte=since, created_at__lt=until, type__in=endpoint.event_types, fanned_out_at__isnull=False
            )
            .exclude(deliveries__endpoint=endpoint)
            .order_by("pk")[: REPLAY_MAX - len(ids)]
            if endpoint.wants(event)  # its topics too
        ]
        created = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now, retry_window_started_at=now) for event in missing]
        )
        ids += [delivery.pk for delivery in created]
        deliveries_queue(ids)
    return len(ids)
