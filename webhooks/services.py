"""Writes of the webhooks app: the outbox, the relay, attempts, retries, dead letters and replays.

    domain service ──(same transaction)──► event_record(): one OutboxEvent row
    COMMIT ──► on_commit: webhook_outbox_relay task (a broker failure only logs; beat re-drives)
    relay: one WebhookDelivery per enabled endpoint that wants the event ──► on_commit: one task each
    attempt: claim the delivery (a short lease), sign, POST (10 s), log the attempt, then
             2xx → succeeded · 410 → failed, endpoint disabled · otherwise → retry later, or dead
             letter once the retry window (about three days) is over, supervisors told
    beat (webhooks_redrive): relay left-behind events, queue every due delivery again

Every delivery keeps its webhook-id on every attempt and replay: a receiver may see a repeat, never a gap.
"""

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from webhooks import transport
from webhooks.addresses import AddressRefused, target_resolve
from webhooks.events import EventType
from webhooks.models import (
    DeliveryAttempt,
    DeliveryError,
    DeliveryStatus,
    DisabledReason,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.schedule import retry_after_parse, retry_delay
from webhooks.secrets import secret_decrypt, secret_encrypt, secret_generate

logger = logging.getLogger(__name__)

# While an attempt runs, its delivery is not due: no other worker takes it (longer than the 10 s timeout).
ATTEMPT_LEASE = timedelta(seconds=60)
RELAY_BATCH = 500
REDRIVE_BATCH = 1000
REPLAY_MAX = 10_000
MAX_ENDPOINTS_PER_CLIENT = 20
# At most one dead-letter email per endpoint in this period.
DEAD_LETTER_NOTICE_PERIOD = timedelta(hours=1)


class WebhookError(ValidationError):
    """Bad input for an endpoint or a replay; messages keyed by field, in the active language."""


# --- The outbox ------------------------------------------------------------------------------------


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
    pending = getattr(connection, "_webhooks_relay_pending", None)
    if (
        pending is not None
        and connection.in_atomic_block
        and any(func is pending for _sids, func, _robust in connection.run_on_commit)
    ):
        return

    def relay() -> None:
        if getattr(connection, "_webhooks_relay_pending", None) is relay:
            connection._webhooks_relay_pending = None
        _relay_queue()

    connection._webhooks_relay_pending = relay
    transaction.on_commit(relay)


def _relay_queue() -> None:
    from webhooks.tasks import webhook_outbox_relay

    try:
        webhook_outbox_relay.delay()
    except Exception:  # the broker is down: the beat job relays the events later
        logger.warning("Could not queue the webhook relay; beat will re-drive it.", exc_info=True)


def _deliveries_queue(delivery_ids: list[int]) -> None:
    from webhooks.tasks import webhook_delivery_attempt

    def queue() -> None:
        for delivery_id in delivery_ids:
            try:
                webhook_delivery_attempt.delay(delivery_id)
            except Exception:  # the broker is down: the beat job re-drives every due delivery
                logger.warning("Could not queue webhook delivery %s; beat will re-drive it.", delivery_id)
                return

    if delivery_ids:
        transaction.on_commit(queue)


def outbox_relay(*, now: datetime | None = None) -> list[int]:
    """Give every event not yet relayed a delivery per enabled endpoint that wants it; queue them."""
    now = now or timezone.now()
    with transaction.atomic():
        # Concurrent relays take different events (PostgreSQL); SQLite serialises writers anyway.
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(fanned_out_at__isnull=True)
            .order_by("pk")[:RELAY_BATCH]
        )
        if not events:
            return []
        endpoints = list(WebhookEndpoint.objects.filter(is_enabled=True).only("pk", "event_types"))
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now, retry_window_started_at=now)
                for event in events
                for endpoint in endpoints
                if endpoint.wants(event.type)
            ]
        )
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(fanned_out_at=now)
        ids = [delivery.pk for delivery in deliveries]
        _deliveries_queue(ids)
    if len(events) == RELAY_BATCH:
        _relay_queue()  # more are waiting
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
    _deliveries_queue(due)
    return len(due)


# --- Attempts --------------------------------------------------------------------------------------


def delivery_body(event: OutboxEvent) -> str:
    """The Standard Webhooks body: type, timestamp of the event, and its thin payload."""
    body = {"type": event.type, "timestamp": event.created_at.astimezone(UTC), "data": event.payload}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def delivery_headers(*, secret: str, webhook_id: str, body: str, at: datetime) -> dict[str, str]:
    """The three signature headers; signed by the standardwebhooks package, not by hand."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=webhook_id, timestamp=at, data=body),
    }


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Make one attempt of a due delivery; None when it is not due (another worker has it, or done)."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + ATTEMPT_LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_enabled:
        _delivery_fail(delivery, error=DeliveryError.ENDPOINT_DISABLED)
        return delivery
    try:
        target = target_resolve(endpoint.url)
    except AddressRefused as refused:
        response = transport.Response(status_code=None, latency_ms=0, error=f"refused: {refused}"[:500])
    else:
        body = delivery_body(delivery.event)
        at = datetime.now(UTC)
        headers = delivery_headers(
            secret=secret_decrypt(endpoint.secret_encrypted), webhook_id=delivery.webhook_id, body=body, at=at
        )
        response = transport.post(target=target, body=body.encode(), headers=headers)
    _attempt_record(delivery, response, attempted_at=now)
    return delivery


def _attempt_record(delivery: WebhookDelivery, response: transport.Response, *, attempted_at: datetime) -> None:
    now = timezone.now()
    code = response.status_code
    error = response.error or ("" if code is not None and 200 <= code < 300 else f"HTTP {code}")
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, attempted_at=attempted_at, status_code=code, latency_ms=response.latency_ms, error=error
        )
        delivery.attempts += 1
        delivery.last_status_code = code
        delivery.last_error = error
        delivery.last_latency_ms = response.latency_ms
        if code is not None and 200 <= code < 300:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif code == 410:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.save()
            webhook_endpoint_disable(endpoint=delivery.endpoint, reason=DisabledReason.GONE)  # when: disabled_at
            return
        else:
            delay = retry_delay(
                attempts=delivery.attempts,
                base_seconds=settings.WEBHOOK_RETRY_BASE_SECONDS,
                retry_after=retry_after_parse(response.retry_after, now=now),
            )
            window_end = delivery.retry_window_started_at + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS)
            if now + delay > window_end:
                delivery.status = DeliveryStatus.DEAD
                delivery.dead_at = now
                delivery.next_attempt_at = None
                _dead_letter_notify(delivery, now=now)
            else:
                delivery.next_attempt_at = now + delay
        delivery.save()


def _delivery_fail(delivery: WebhookDelivery, *, error: str) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.last_error = error[:500]
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "last_error", "next_attempt_at"])


def _supervisor_addresses() -> list[str]:
    from accounts.models import User
    from accounts.roles import SUPERVISOR

    return list(
        User.objects.filter(Q(groups__name=SUPERVISOR) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


def _dead_letter_notify(delivery: WebhookDelivery, *, now: datetime) -> None:
    """Tell the supervisors, at most once an hour per endpoint (an outage kills many deliveries)."""
    from notifications.services import email_enqueue

    endpoint = delivery.endpoint
    notified = WebhookEndpoint.objects.filter(pk=endpoint.pk).filter(
        Q(dead_letter_notified_at__isnull=True) | Q(dead_letter_notified_at__lt=now - DEAD_LETTER_NOTICE_PERIOD)
    ).update(dead_letter_notified_at=now)
    addresses = _supervisor_addresses()
    if not notified or not addresses:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("admin:webhooks_webhookdelivery_changelist")
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "webhooks/email/dead_letter.txt",
            {"endpoint": endpoint, "delivery": delivery, "url": f"{url}?status__exact=dead&endpoint__id__exact={endpoint.pk}"},
        )
        subject = _("Webhook deliveries to %(url)s are failing") % {"url": endpoint.url}
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=addresses))


# --- Replay ----------------------------------------------------------------------------------------


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with the same webhook-id and a fresh retry window, whatever its status."""
    if not delivery.endpoint.is_enabled:
        raise WebhookError({"endpoint": _("Enable the endpoint before replaying its deliveries.")})
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**_replayed_fields(now))
        _deliveries_queue([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def _replayed_fields(now: datetime) -> dict[str, Any]:
    return {
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "retry_window_started_at": now,
        "dead_at": None,
    }


def deliveries_replay_range(
    *, endpoint: WebhookEndpoint, since: datetime, until: datetime, include_succeeded: bool = False
) -> int:
    """Replay an endpoint's events of [since, until): its failed and dead deliveries (and succeeded
    ones if asked), and the events it never got a delivery for because it was disabled then."""
    if not endpoint.is_enabled:
        raise WebhookError({"endpoint": _("Enable the endpoint before replaying its deliveries.")})
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
        missing = (
            OutboxEvent.objects.filter(
                created_at__gte=since, created_at__lt=until, type__in=endpoint.event_types, fanned_out_at__isnull=False
            )
            .exclude(deliveries__endpoint=endpoint)
            .order_by("pk")[: REPLAY_MAX - len(ids)]
        )
        created = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now, retry_window_started_at=now) for event in missing]
        )
        ids += [delivery.pk for delivery in created]
        _deliveries_queue(ids)
    return len(ids)


# --- Endpoints ---------------------------------------------------------------------------------------


def webhook_url_check(url: str) -> str:
    """The URL, stripped, if webhooks may go there now; WebhookError otherwise."""
    try:
        target_resolve(url)
    except AddressRefused as refused:
        raise WebhookError({"url": str(refused)}) from None
    return url.strip()


def _event_types_clean(event_types: Iterable[str]) -> list[str]:
    event_types = list(dict.fromkeys(event_types or []))
    if not event_types:
        raise WebhookError({"event_types": _("Choose at least one event type.")})
    unknown = sorted(set(event_types) - set(EventType.values))
    if unknown:
        raise WebhookError({"event_types": _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}})
    return event_types


def webhook_endpoint_create(
    *, url: str, event_types: Iterable[str], description: str = "", owner=None, created_by=None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret, which is never shown again."""
    event_types = _event_types_clean(event_types)
    url = webhook_url_check(url)
    secret = secret_generate()
    with transaction.atomic():
        if owner is not None:
            owner.__class__.objects.select_for_update().filter(pk=owner.pk).first()
            if WebhookEndpoint.objects.filter(owner=owner).count() >= MAX_ENDPOINTS_PER_CLIENT:
                raise WebhookError(
                    {"url": _("A client may have at most %(max)s endpoints.") % {"max": MAX_ENDPOINTS_PER_CLIENT}}
                )
        endpoint = WebhookEndpoint.objects.create(
            url=url,
            event_types=event_types,
            description=description,
            secret_encrypted=secret_encrypt(secret),
            owner=owner,
            created_by=created_by,
        )
    return endpoint, secret


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    is_enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; enabling it again clears why it was disabled (replay what it missed)."""
    endpoint.refresh_from_db(fields=["is_enabled", "disabled_reason", "disabled_at"])  # a 410 may have just come in
    fields: list[str] = []
    if url is not None and url != endpoint.url:
        endpoint.url = webhook_url_check(url)
        fields.append("url")
    if event_types is not None:
        endpoint.event_types = _event_types_clean(event_types)
        fields.append("event_types")
    if description is not None:
        endpoint.description = description
        fields.append("description")
    if is_enabled is True and not endpoint.is_enabled:
        endpoint.is_enabled, endpoint.disabled_reason, endpoint.disabled_at = True, "", None
        fields += ["is_enabled", "disabled_reason", "disabled_at"]
    if fields:
        endpoint.save(update_fields=[*fields, "updated_at"])
    if is_enabled is False and endpoint.is_enabled:
        webhook_endpoint_disable(endpoint=endpoint, reason=DisabledReason.OWNER)
    return endpoint


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: DisabledReason) -> WebhookEndpoint:
    """Stop sending to an endpoint; its pending deliveries fail (they can be replayed once enabled).
    `reason` is a code, rendered in each reader's language (WebhookEndpoint.disabled_reason_text)."""
    if reason not in DisabledReason.values:
        raise ValueError(f"Unknown reason code {reason!r}: use a DisabledReason.")
    reason = DisabledReason(reason)
    now = timezone.now()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_enabled=False, disabled_reason=reason, disabled_at=now, updated_at=now
        )
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=DeliveryError.ENDPOINT_DISABLED
        )
    endpoint.is_enabled, endpoint.disabled_reason, endpoint.disabled_at = False, reason, now
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log (the outbox events stay)."""
    endpoint.delete()


# --- Payloads of the domain's events (thin: ids, version, what changed) -----------------------------


def customer_event_record(*, type: str, customer, **extra: Any) -> OutboxEvent:
    """A customer.* event: the customer's ids and current version, plus `extra` (e.g. changed=[keys])."""
    payload = {"customer_id": customer.pk, "external_id": customer.external_id, "version": customer.version, **extra}
    return event_record(type=type, payload=payload)


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
