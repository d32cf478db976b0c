"""API clients (other systems), their keys, and the messages they report having sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from preferences.domain import ChannelCode


class Scope(models.TextChoices):
    CUSTOMERS_READ = "customers:read", _("Read customers' preference documents")
    CUSTOMERS_WRITE = "customers:write", _("Create customers and change their preferences")
    CUSTOMERS_ERASE = "customers:erase", _("Erase a customer's personal data (cannot be undone)")
    CUSTOMERS_EXPORT = "customers:export", _("Prepare and download everything held about a customer (personal data)")
    CONTACT_POINTS_READ = "contact_points:read", _("See personal values: addresses, numbers, names in events")
    DECISIONS_READ = "decisions:read", _("Ask for contact plans")
    SENDS_WRITE = "sends:write", _("Report sent messages")
    CONTACT_REQUESTS_READ = "contact_requests:read", _("Read human-contact requests")
    CONTACT_REQUESTS_WRITE = "contact_requests:write", _("Create human-contact requests")
    EVENTS_READ = "events:read", _("Read the change feed")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhook endpoints")
    UNSUBSCRIBE_LINKS_READ = "unsubscribe_links:read", _("Get one-click unsubscribe links to put in messages")
    SMS_INBOUND = "sms:inbound", _("Report inbound SMS (STOP replies) from the SMS gateway")


class ApiClient(models.Model):
    """Another system (CRM, mailer, chatbot…) allowed to call the API with its own keys and scopes."""

    name = models.CharField(max_length=100, unique=True)
    scopes = models.JSONField(default=list, help_text="Scope codes, e.g. customers:read.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="No key of this client works after this.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests a minute; empty means the default of the deployment."
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal as `request.user`: an API client is authenticated.
    is_authenticated = True
    is_anonymous = False

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def is_active_at(self, moment) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)


class ApiKey(models.Model):
    """A secret of a client: only its SHA-256 is stored; the prefix identifies it in lists and logs."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def is_active_at(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)


class Send(models.Model):
    """A message a client reports having sent: the weekly marketing cap counts these."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="sends")
    customer = models.ForeignKey(  # no index of its own: send_customer_sent_idx leads with it
        "preferences.Customer", on_delete=models.CASCADE, related_name="sends", db_index=False
    )
    topic = models.ForeignKey("preferences.Topic", on_delete=models.PROTECT, related_name="sends")
    channel = models.CharField(max_length=16, choices=ChannelCode.choices)
    sent_at = models.DateTimeField()
    ai_generated = models.BooleanField(default=False)
    # The sender's own id of the message: reporting the same message twice counts it once.
    message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reported send")
        verbose_name_plural = _("reported sends")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["customer", "sent_at"], name="send_customer_sent_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "message_id"], condition=~Q(message_id=""), name="send_message_id_unique_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.topic_id}/{self.channel} at {self.sent_at:%Y-%m-%d %H:%M}"


class IdempotentRequest(models.Model):
    """A POST sent with an Idempotency-Key: while it runs (`status_code` empty), then the answer it got,
    replayed to a retry with the same key and body for IDEMPOTENCY_KEY_TTL_SECONDS (api/idempotency.py)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="idempotent_requests")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path, query and body.")
    started_at = models.DateTimeField()
    created_at = models.DateTimeField(db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="api_idempotent_request_client_key")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"
