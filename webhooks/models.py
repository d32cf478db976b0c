"""Webhook endpoints, and the deliveries of outbox events to endpoints with the log of their attempts."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from outbox.models import OutboxEvent
from preferences.keys import SUBSCRIPTION, TOPIC, SettingKey


class DisabledReason(models.TextChoices):
    """Why an endpoint was disabled. Stored as the code; each reader sees the label in their own
    language (a sentence stored once would stay in the language of whoever caused it)."""

    GONE = "gone", _("The receiver answered 410 Gone.")
    OWNER = "owner", _("Disabled by its owner.")
    SUPERVISOR = "supervisor", _("Disabled by a supervisor.")


class DeliveryError(models.TextChoices):
    """Errors of a delivery that the portal itself decides, stored as codes (the others are the
    technical text of the attempt: `HTTP 503`, a timeout, a refused address)."""

    ENDPOINT_DISABLED = "endpoint_disabled", _("The endpoint was disabled.")


def delivery_error_text(error: str) -> str:
    """A stored delivery error as the reader sees it: a code in their language, anything else as is."""
    return str(DeliveryError(error).label) if error in DeliveryError.values else error


class WebhookEndpoint(models.Model):
    """A URL of another system that receives signed events. Created by a supervisor (no owner) or by
    an API client with webhooks:manage (the owner, the only client that sees it)."""

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    # Topic codes of the catalogue; empty: every topic. Events about other topics only are not sent
    # here; events about no topic in particular (a ping, a customer's language, an erasure) always are.
    topics = models.JSONField(
        _("topics"),
        default=list,
        blank=True,
        help_text=_("Only events about these topics (codes), and events about no topic. Empty: every topic."),
    )
    # Standard Webhooks secrets must be usable to sign: stored encrypted (webhooks.secrets), shown once.
    secret_encrypted = models.TextField(editable=False)
    # After a rotation, the secret it replaced still signs (beside the new one) until this time, so that
    # receivers can switch without missing a delivery (webhooks.rotation).
    previous_secret_encrypted = models.TextField(editable=False, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(_("previous secret signs until"), null=True, blank=True)
    owner = models.ForeignKey(
        "api.ApiClient",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text=_("Empty for endpoints created by supervisors."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True, choices=DisabledReason.choices)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    dead_letter_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def wants(self, event: OutboxEvent) -> bool:
        if event.type not in (self.event_types or []):
            return False
        topics = event_topics(event.type, event.payload)
        return not self.topics or topics is None or bool(topics & set(self.topics))

    @property
    def disabled_reason_text(self) -> str:
        """Why it was disabled, in the active language ("" while enabled)."""
        return str(self.get_disabled_reason_display()) if self.disabled_reason else ""


def event_topics(event_type: str, payload: dict) -> frozenset[str] | None:
    """The topics an event is about, or None when it is (also) about no topic in particular: a change
    of preferences is about topics only when every key it changed is a topic's setting or subscription;
    a contact request is about its topic, if it has one."""
    if event_type == "customer.preferences_changed":
        keys = [SettingKey.parse(key) for key in payload.get("changed") or []]
        if not keys or any(key is None or key.kind not in (TOPIC, SUBSCRIPTION) for key in keys):
            return None
        return frozenset(key.name for key in keys)
    if event_type.startswith("contact_request.") and payload.get("topic"):
        return frozenset([payload["topic"]])
    return None


def webhook_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed (not retried)")
    DEAD = "dead", _("dead letter")


class WebhookDelivery(models.Model):
    """One event to one endpoint. Its webhook-id is the same on every attempt and every replay."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(OutboxEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(_("webhook-id"), max_length=40, unique=True, default=webhook_id_new, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the next attempt is due; while an attempt runs, a short lease (see attempts.ATTEMPT_LEASE).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Retries stop (dead letter) about three days after this: creation, or the last replay.
    retry_window_started_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("last latency (ms)"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead-lettered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="delivery_one_per_endpoint_event")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delivery_due_idx"
            ),
            models.Index(fields=["endpoint", "-id"], name="delivery_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} ({self.status})"

    @property
    def last_error_text(self) -> str:
        """The last error as the reader sees it (codes in the active language)."""
        return delivery_error_text(self.last_error)


class DeliveryAttempt(models.Model):
    """The log of one HTTP attempt of a delivery."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
