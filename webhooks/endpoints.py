"""Webhook endpoints: create, update, disable and delete one, and the check of the URL they send to."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.events import EventType
from preferences.catalog import catalog_get
from webhooks.addresses import AddressRefused, target_resolve
from webhooks.models import DeliveryError, DeliveryStatus, DisabledReason, WebhookDelivery, WebhookEndpoint
from webhooks.secrets import secret_encrypt, secret_generate

MAX_ENDPOINTS_PER_CLIENT = 20


class WebhookError(ValidationError):
    """Bad input for an endpoint or a replay; messages keyed by field, in the active language."""


class EndpointDisabled(WebhookError):
    """A ping or a replay asked of a disabled endpoint: a state of the endpoint, not bad input (the API's 409)."""


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


def webhook_topics_clean(topics: Iterable[str] | None) -> list[str]:
    """Topic codes of the catalogue, each once (empty: every topic); WebhookError names the unknown ones."""
    topics = list(dict.fromkeys(topics or []))
    unknown = sorted(set(topics) - set(catalog_get().topics_by_code))
    if unknown:
        raise WebhookError({"topics": _("Unknown topics: %(topics)s.") % {"topics": ", ".join(unknown)}})
    return topics


def webhook_endpoint_create(
    *,
    url: str,
    event_types: Iterable[str],
    topics: Iterable[str] | None = None,
    description: str = "",
    owner=None,
    created_by=None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret, which is never shown again. With topics, events
    about other topics only are not sent to it."""
    event_types = _event_types_clean(event_types)
    topics = webhook_topics_clean(topics)
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
            topics=topics,
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
    topics: Iterable[str] | None = None,
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
    if topics is not None:
        endpoint.topics = webhook_topics_clean(topics)
        fields.append("topics")
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
