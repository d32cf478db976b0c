"""Preferences: the catalogue (channels, topics, notices), customers and their choices, the ledger,
the suppression list."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from preferences.domain import (
    ActorType,
    AiLevel,
    AssistanceMode,
    ChannelCode,
    ContactPointKind,
    PhoneType,
    Source,
    SubscriptionStatus,
    TopicKind,
)
from preferences.rules import topic_configuration_errors
from preferences.transaction_ids import CurrentTransactionId


class BilingualNameMixin:
    """Picks the French or English name and description for the active language."""

    def _pick(self, field: str) -> str:
        language = (translation.get_language() or "fr")[:2]
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_fr")

    @property
    def name(self) -> str:
        return self._pick("name")


class Channel(BilingualNameMixin, models.Model):
    """A way to reach a customer. The set is fixed; supervisors edit the footprint estimate."""

    code = models.CharField(max_length=16, choices=ChannelCode.choices, primary_key=True)
    name_fr = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)
    footprint_g_co2e = models.DecimalField(
        _("estimated footprint per message (g CO2e)"), max_digits=8, decimal_places=3, default=Decimal("0")
    )
    footprint_source = models.TextField(_("source of the estimate"), blank=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code


class Topic(BilingualNameMixin, models.Model):
    """What a message is about, with the channels it may use and their defaults."""

    code = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=TopicKind.choices)
    name_fr = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    description_fr = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    allowed_channels = models.JSONField(default=list, help_text="Channel codes this topic may use.")
    # Blank: a marketing topic is on by default on no channel that needs prior consent (often none).
    default_channels = models.JSONField(default=list, blank=True, help_text="Channel codes switched on by default.")
    paper_copy_available = models.BooleanField(default=False)
    messages_per_month = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))
    order = models.PositiveSmallIntegerField(default=0)
    # A look at what the topic sends, shown to customers beside their choice (blank: nothing shown).
    example_subject_fr = models.CharField(_("example subject (French)"), max_length=200, blank=True)
    example_subject_en = models.CharField(_("example subject (English)"), max_length=200, blank=True)
    example_body_fr = models.TextField(_("example first lines (French)"), blank=True)
    example_body_en = models.TextField(_("example first lines (English)"), blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def description(self) -> str:
        return self._pick("description")

    @property
    def example_subject(self) -> str:
        return self._pick("example_subject")

    @property
    def example_body(self) -> str:
        return self._pick("example_body")

    @property
    def example_language(self) -> str:
        """The language the example is shown in: the page's, or French when the page's is not filled in
        (the page then marks it, for readers and screen readers)."""
        language = (translation.get_language() or "fr")[:2]
        own = getattr(self, f"example_subject_{language}", "") or getattr(self, f"example_body_{language}", "")
        return language if own else "fr"

    @property
    def has_delivery_mode(self) -> bool:
        return self.kind in (TopicKind.CRITICAL, TopicKind.SERVICE)

    def clean(self) -> None:
        errors = topic_configuration_errors(
            kind=self.kind, allowed=list(self.allowed_channels or []), default=list(self.default_channels or [])
        )
        if errors:
            raise ValidationError(errors)


class Notice(models.Model):
    """A versioned public text: the privacy notice or the "how we use AI" statement."""

    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Privacy notice")
        AI_STATEMENT = "ai_statement", _("How we use AI")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField()
    body_fr = models.TextField()
    body_en = models.TextField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("notice version")
        verbose_name_plural = _("notice versions")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="notice_kind_version_unique")]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"

    @property
    def body(self) -> str:
        language = (translation.get_language() or "fr")[:2]
        return self.body_en if language == "en" and self.body_en else self.body_fr


class Customer(models.Model):
    """A person the company contacts, with every preference that is not per topic × channel."""

    class Language(models.TextChoices):
        FR = "fr", "Français"
        EN = "en", "English"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    external_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.FR)
    channel_ranking = models.JSONField(default=list)
    ai_default = models.CharField(max_length=16, choices=AiLevel.choices, default=AiLevel.HUMAN_REVIEWED)
    assistance_mode = models.CharField(max_length=16, choices=AssistanceMode.choices, default=AssistanceMode.BOT_OK)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/Paris")
    weekly_marketing_cap = models.PositiveSmallIntegerField(null=True, blank=True)
    large_print = models.BooleanField(default=False)
    plain_text_email = models.BooleanField(default=False)
    easy_read = models.BooleanField(default=False)
    marketing_objection = models.BooleanField(default=False)
    # Marketing paused until then (preferences.marketing): the contact plan compares it with the time
    # asked about, so a pause simply stops applying at its end, with no job to lift it.
    marketing_paused_until = models.DateTimeField(null=True, blank=True)
    # Per-topic settings that are not per channel: {"billing": {"paper_copy": true, "ai_level": ...}}.
    # Kept on the customer row so that the whole preference document loads in three queries.
    topic_settings = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # On PostgreSQL the console's search also has trigram indexes on UPPER(first_name), UPPER(last_name)
        # and UPPER(external_id) (migration 0007, kept out of the model state: SQLite has no GIN).
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="customer_name_idx"),
            # GET /api/v1/customers?updated_after= (api.selectors.customer_ids_find).
            models.Index(fields=["updated_at"], name="customer_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        if name:
            return name
        if self.user_id and self.user:
            return self.user.email
        return self.external_id or f"#{self.pk}"


class ContactPoint(models.Model):
    """An email address, phone number (E.164), postal address, app installation or messaging account
    (`<service>:<handle>`) of a customer."""

    # No index of its own: contact_point_unique_per_customer leads with the customer (one index less to
    # write on every insert; the same for subscriptions, consent events and sends).
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points", db_index=False)
    kind = models.CharField(max_length=10, choices=ContactPointKind.choices)
    value = models.CharField(max_length=500)
    phone_type = models.CharField(max_length=8, choices=PhoneType.choices, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["kind", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "value"], name="contact_point_unique_per_customer")
        ]
        indexes = [models.Index(fields=["kind", "value"], name="contact_point_value_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_usable(self) -> bool:
        # A postal address needs no verification; everything else does.
        return self.kind == ContactPointKind.POSTAL or self.verified_at is not None


class VerificationChallenge(models.Model):
    """A code sent to a contact point to prove the customer receives it (stored hashed)."""

    contact_point = models.ForeignKey(ContactPoint, on_delete=models.CASCADE, related_name="challenges")
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")

    def __str__(self) -> str:
        return f"challenge for contact point {self.contact_point_id}"


class Subscription(models.Model):
    """Customer × topic × channel. An absent row means the topic's default."""

    customer = models.ForeignKey(  # no index of its own: subscription_unique leads with it
        Customer, on_delete=models.CASCADE, related_name="subscriptions", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="subscriptions")
    channel = models.CharField(max_length=16, choices=ChannelCode.choices)
    status = models.CharField(max_length=8, choices=SubscriptionStatus.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["customer", "topic", "channel"], name="subscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.topic_id}/{self.channel}: {self.status}"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Consent events are append-only: they cannot be updated.")

    def delete(self):
        raise TypeError("Consent events are append-only: they cannot be deleted.")


class ConsentEvent(models.Model):
    """One change to a customer's preferences: append-only proof of consent.

    `key` names what changed in the flat preference state (see preferences.state), `old_value` and
    `new_value` are its values before and after. The increasing id is the change feed's cursor.
    """

    customer = models.ForeignKey(  # no index of its own: consent_event_customer_idx leads with it
        Customer, on_delete=models.PROTECT, related_name="consent_events", db_index=False
    )
    # The customer's version this change produced: the events of one change share it, the next change
    # has the next one. Null for events recorded before versions were (they cannot be updated).
    version = models.PositiveIntegerField(null=True)
    occurred_at = models.DateTimeField(db_index=True)
    key = models.CharField(max_length=120)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    evidence = models.CharField(max_length=300, blank=True)
    privacy_notice_version = models.PositiveIntegerField(null=True)
    ai_statement_version = models.PositiveIntegerField(null=True)
    ip_truncated = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The writing transaction, set by the database (preferences.feed): the change feed serves events by
    # (transaction_id, id) once no transaction that could still add an earlier one is open.
    transaction_id = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["customer", "-id"], name="consent_event_customer_idx"),
            models.Index(fields=["transaction_id", "id"], name="consent_event_feed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.key}: {self.old_value!r} → {self.new_value!r}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Consent events are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Consent events are append-only: they cannot be deleted.")


class SuppressionEntry(models.Model):
    """A keyed hash (HMAC-SHA256) of an erased person's email or phone number, so that a later import
    cannot silently subscribe them to marketing again. The address itself is not kept."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("email address")
        PHONE = "phone", _("phone number")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    identity_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suppression entry")
        verbose_name_plural = _("suppression entries")
        db_table = "privacy_suppressionentry"  # the table it was created with, in the privacy app

    def __str__(self) -> str:
        return f"{self.kind} {self.identity_hash[:8]}…"
