"""Delivery attempts: claim a due delivery, sign and POST its body, log the attempt, then decide what
comes next, and tell the supervisors of a dead letter.

    attempt: claim the delivery (a short lease), sign, POST (10 s), log the attempt, then
             2xx → succeeded · 410 → failed, endpoint disabled · otherwise → retry later, or dead
             letter once the retry window (about three days) is over, supervisors told

Every delivery keeps its webhook-id on every attempt and replay: a receiver may see a repeat, never a gap.
"""

import json
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from accounts.roles import supervisor_emails
from common.times import UtcDjangoJSONEncoder, utc_text
from notifications.services import email_enqueue
from outbox.models import OutboxEvent
from webhooks import transport
from webhooks.addresses import AddressRefused, target_resolve
from webhooks.endpoints import webhook_endpoint_disable
from webhooks.models import (
    DeliveryAttempt,
    DeliveryError,
    DeliveryStatus,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.schedule import retry_after_parse, retry_delay
from webhooks.secrets import secret_decrypt

# While an attempt runs, its delivery is not due: no other worker takes it (longer than the 10 s timeout).
ATTEMPT_LEASE = timedelta(seconds=60)
# At most one dead-letter email per endpoint in this period.
DEAD_LETTER_NOTICE_PERIOD = timedelta(hours=1)


def delivery_body(event: OutboxEvent) -> str:
    """The Standard Webhooks body: type, timestamp of the event, and its thin payload. Every time in it
    is written as the API writes times (UTC, `Z`, to the microsecond, as the specification's example);
    the `webhook-timestamp` header is whole seconds since the epoch, as the specification fixes it."""
    body = {"type": event.type, "timestamp": utc_text(event.created_at), "data": event.payload}
    return json.dumps(body, cls=UtcDjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def delivery_headers(*, secrets: list[str], webhook_id: str, body: str, at: datetime) -> dict[str, str]:
    """The three signature headers; signed by the standardwebhooks package, not by hand. With several
    secrets (during a rotation's grace period) the signature header holds one signature per secret,
    space-separated, as the specification says: a receiver holding either secret verifies it."""
    signatures = [Webhook(secret).sign(msg_id=webhook_id, timestamp=at, data=body) for secret in secrets]
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the one it replaced during the grace period."""
    secrets = [secret_decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > now:
        secrets.append(secret_decrypt(endpoint.previous_secret_encrypted))
    return secrets


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
            secrets=signing_secrets(endpoint, now=at), webhook_id=delivery.webhook_id, body=body, at=at
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


def _dead_letter_notify(delivery: WebhookDelivery, *, now: datetime) -> None:
    """Tell the supervisors, at most once an hour per endpoint (an outage kills many deliveries)."""
    endpoint = delivery.endpoint
    notified = WebhookEndpoint.objects.filter(pk=endpoint.pk).filter(
        Q(dead_letter_notified_at__isnull=True) | Q(dead_letter_notified_at__lt=now - DEAD_LETTER_NOTICE_PERIOD)
    ).update(dead_letter_notified_at=now)
    addresses = supervisor_emails()
    if not notified or not addresses:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("admin:webhooks_webhookdelivery_changelist")
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "webhooks/email/dead_letter.txt",
            {"endpoint": endpoint, "delivery": delivery, "url": f"{url}?status__exact=dead&endpoint__id__exact={endpoint.pk}"},
        )
        subject = _("Webhook deliveries to %(url)s are failing") % {"url": endpoint.url}
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=addresses), language=settings.LANGUAGE_CODE)
