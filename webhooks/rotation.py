"""An endpoint's tools for its owner: rotate the signing secret without downtime, and send a signed
test event (`ping`) through the normal delivery path."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.models import OutboxEvent
from webhooks.endpoints import EndpointDisabled, WebhookError
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.relay import deliveries_queue
from webhooks.secrets import secret_encrypt, secret_generate

# The longest a replaced secret may keep signing: long enough for any deployment, short enough that
# a leaked secret does not stay useful for long.
MAX_GRACE_PERIOD = timedelta(days=7)
# Not a domain event: no endpoint subscribes to it and the relay never fans it out (its row is
# written already fanned out); it is a delivery to one endpoint, asked for by its owner.
PING_EVENT_TYPE = "ping"


def webhook_endpoint_secret_rotate(
    *, endpoint: WebhookEndpoint, grace_period: timedelta
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret (returned, shown once). The current one keeps signing beside it
    for `grace_period` (every delivery then carries both signatures); zero revokes it at once, for a
    secret that leaked. A rotation during a grace period drops the older secret for good."""
    if grace_period < timedelta(0) or grace_period > MAX_GRACE_PERIOD:
        raise WebhookError(
            {"grace_period_hours": _("Choose a grace period between 0 and %(hours)d hours.")
             % {"hours": MAX_GRACE_PERIOD // timedelta(hours=1)}}
        )  # fmt: skip
    secret = secret_generate()
    now = timezone.now()
    with transaction.atomic():
        # Two rotations at once run one after the other: neither loses the secret the other made.
        current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if grace_period:
            current.previous_secret_encrypted = current.secret_encrypted
            current.previous_secret_expires_at = now + grace_period
        else:
            current.previous_secret_encrypted, current.previous_secret_expires_at = "", None
        current.secret_encrypted = secret_encrypt(secret)
        current.save(
            update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_expires_at", "updated_at"]
        )
    return current, secret


def webhook_endpoint_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a signed `ping` to this endpoint alone, as any delivery is sent (claimed, signed with every
    secret in force, logged, retried); its body names the endpoint. The answer of the receiver is in
    the delivery's log."""
    if not endpoint.is_enabled:
        raise EndpointDisabled({"endpoint": _("Enable the endpoint before sending it a test event.")})
    now = timezone.now()
    with transaction.atomic():
        event = OutboxEvent.objects.create(
            type=PING_EVENT_TYPE, payload={"endpoint_id": endpoint.pk, "test": True}, fanned_out_at=now
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, next_attempt_at=now, retry_window_started_at=now
        )
        deliveries_queue([delivery.pk])
    return delivery
