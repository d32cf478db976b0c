"""Human-contact requests: a customer (or a chatbot on their behalf) asks a person to get in touch."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from preferences.domain import TIME_ZONE_CHOICES
from preferences.models import Customer, ImmutableQuerySet, Topic


class ContactRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("Assigned")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    UNREACHABLE = "unreachable", _("Could not reach you")
    # Closed because the customer's personal data was erased: nobody may contact them about it.
    WITHDRAWN = "withdrawn", _("Withdrawn (data erased)")


# The statuses as staff read them (the console, its emails): the customer's wording where it fits
# both, and not "Could not reach you".
STAFF_STATUS_LABELS = {**dict(ContactRequestStatus.choices), ContactRequestStatus.UNREACHABLE: _("Customer unreachable")}


# Requests still waiting for a person; the others are closed for good.
ACTIVE_STATUSES = (ContactRequestStatus.OPEN, ContactRequestStatus.ASSIGNED, ContactRequestStatus.SCHEDULED)
# Requests not yet answered by a person: the service level's due time applies to these.
UNANSWERED_STATUSES = (ContactRequestStatus.OPEN, ContactRequestStatus.ASSIGNED)


class PreferredChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("Email")
    VIDEO = "video", _("Video call")
    MESSAGING = "messaging", _("Messaging (WhatsApp, RCS…)")


class TimeSlot(models.TextChoices):
    WEEKDAY_MORNING = "weekday_morning", _("Weekdays, 9:00–12:00")
    WEEKDAY_LUNCH = "weekday_lunch", _("Weekdays, 12:00–14:00")
    WEEKDAY_AFTERNOON = "weekday_afternoon", _("Weekdays, 14:00–18:00")
    WEEKDAY_EVENING = "weekday_evening", _("Weekdays, 18:00–20:00")
    SATURDAY_MORNING = "saturday_morning", _("Saturday, 9:00–12:00")


class ContactOutcome(models.TextChoices):
    """How a completed request ended: recorded on the request and on its completion event."""

    REACHED = "reached", _("Reached: we talked with the customer")
    # Before the appointment: the customer called us, or an earlier time suited them.
    REACHED_EARLIER = "reached_earlier", _("Reached before the appointment")
    NOT_REACHED = "not_reached", _("Not reached")
    CUSTOMER_CANCELLED = "customer_cancelled", _("Cancelled by the customer")


class CreatedByType(models.TextChoices):
    CUSTOMER = "customer", _("the customer")
    API_CLIENT = "api_client", _("one of our systems")
    STAFF = "staff", _("our support team")


# Who created a request, as staff read it (the console): not the customer's "our support team".
STAFF_CREATED_BY_LABELS = {
    CreatedByType.CUSTOMER: _("the customer"),
    CreatedByType.API_CLIENT: _("an API client"),
    CreatedByType.STAFF: _("a staff member"),
}


class ServiceLevel(models.Model):
    """How soon a person must answer a request; supervisors edit these in the admin.

    The level for a request's preferred channel wins; otherwise the default level applies.
    """

    name = models.CharField(_("name"), max_length=100)
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=16,
        choices=PreferredChannel.choices,
        blank=True,
        help_text=_("Leave empty for the default level, used when no level matches the channel."),
    )
    response_hours = models.PositiveIntegerField(_("answer within (hours)"), default=48)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["preferred_channel", "name"]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")

    def __str__(self) -> str:
        return f"{self.name} ({self.response_hours} h)"

    @property
    def label(self) -> str:
        """The level in the reader's language (its name is a supervisor's free text, in one language)."""
        scope = self.get_preferred_channel_display() if self.preferred_channel else _("Default level")
        return _("%(scope)s: answer within %(hours)s h") % {"scope": scope, "hours": self.response_hours}


class ContactRequest(models.Model):
    """A request to talk to a person. Its state changes only through contact_requests.services."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_requests")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField()
    preferred_channel = models.CharField(max_length=16, choices=PreferredChannel.choices)
    preferred_time_slots = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=2, choices=Customer.Language.choices, default=Customer.Language.FR)
    # GDPR art. 22: the automated decision the customer contests and wants a person to review.
    contested_decision = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ContactRequestStatus.choices, default=ContactRequestStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled_for = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    outcome_code = models.CharField(_("outcome"), max_length=20, choices=ContactOutcome.choices, blank=True)
    service_level = models.ForeignKey(ServiceLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    due_at = models.DateTimeField()
    # First time a person acted on it (scheduled, completed or found the customer unreachable).
    answered_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by_type = models.CharField(max_length=16, choices=CreatedByType.choices)
    created_by_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("human-contact request")
        verbose_name_plural = _("human-contact requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="contact_request_queue_idx"),
            models.Index(fields=["customer", "-created_at"], name="contact_request_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_id} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_for_staff(self) -> str:
        return STAFF_STATUS_LABELS.get(self.status, self.status)

    @property
    def created_by_for_staff(self) -> str:
        return str(STAFF_CREATED_BY_LABELS.get(self.created_by_type, self.created_by_type))

    @property
    def time_slot_labels(self) -> list[str]:
        return [str(TimeSlot(slot).label) for slot in self.preferred_time_slots if slot in TimeSlot.values]


class ConversationSpeaker(models.TextChoices):
    BOT = "bot", _("Assistant")
    CUSTOMER = "customer", _("Customer")


class ContactRequestConversation(models.Model):
    """What the customer already told a chatbot before asking for a person (its hand-off), so that
    nobody asks again: the bot's name, a summary and/or the transcript. Written once, with the request;
    erased with the customer's data."""

    contact_request = models.OneToOneField(ContactRequest, on_delete=models.CASCADE, related_name="conversation")
    bot_name = models.CharField(_("assistant"), max_length=100)
    summary = models.TextField(_("summary"), blank=True)
    # [{"speaker": "bot" | "customer", "text": str, "time": ISO 8601 UTC}, ...], oldest first
    # (contact_requests.handoff checks the shape and the sizes).
    transcript = models.JSONField(_("transcript"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chatbot conversation")
        verbose_name_plural = _("chatbot conversations")

    def __str__(self) -> str:
        return f"conversation of request #{self.contact_request_id} with {self.bot_name}"


class ContactRequestEvent(models.Model):
    """One step in a request's life: append-only, like the consent ledger."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed by the customer")
        ASSIGNED = "assigned", _("assigned")
        SCHEDULED = "scheduled", _("scheduled")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")
        UNREACHABLE = "unreachable", _("marked unreachable")
        ESCALATED = "escalated", _("escalated to supervisors")
        WITHDRAWN = "withdrawn", _("withdrawn: the customer's data was erased")

    contact_request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    old_status = models.CharField(max_length=16, choices=ContactRequestStatus.choices, blank=True)
    new_status = models.CharField(max_length=16, choices=ContactRequestStatus.choices)
    actor_type = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    # With a completion: how it ended (ContactOutcome).
    outcome_code = models.CharField(max_length=20, choices=ContactOutcome.choices, blank=True)
    # What else the step recorded: a customer's change ({"preferred_channel": [old, new], …}), or an
    # appointment set outside the customer's slots ({"misfits": [...], "reason": …, "customer_agreed": true}).
    details = models.JSONField(default=dict, blank=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.contact_request_id} {self.kind}: {self.old_status} → {self.new_status}"

    @property
    def old_status_for_staff(self) -> str:
        return STAFF_STATUS_LABELS.get(self.old_status, self.old_status)

    @property
    def new_status_for_staff(self) -> str:
        return STAFF_STATUS_LABELS.get(self.new_status, self.new_status)

    @property
    def actor_label(self) -> str:
        """Who made the change, in words for the console."""
        labels = {
            "customer": _("the customer"),
            "staff": _("a staff member"),
            "api_client": _("an API client"),
            "system": _("the system"),
        }
        return str(labels.get(self.actor_type, self.actor_type))


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SupportTeam(models.Model):
    """The support team's contact settings (one row, edited in the admin): opening hours and the
    number to call in an urgent case. Without it, Monday to Friday 9:00–18:00, Paris time."""

    urgent_phone = models.CharField(
        _("urgent phone number"),
        max_length=32,
        blank=True,
        help_text=_("Shown to customers on the request page, for cases that cannot wait."),
    )
    time_zone = models.CharField(
        _("time zone of the opening hours"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Paris"
    )
    closed_on_public_holidays = models.BooleanField(_("closed on French public holidays"), default=True)

    class Meta:
        verbose_name = _("support team")
        verbose_name_plural = _("support team")

    def __str__(self) -> str:
        return str(_("Support team"))


class OpeningPeriod(models.Model):
    """One stretch of the team's opening hours on a weekday (a day may have several)."""

    team = models.ForeignKey(SupportTeam, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")), name="opening_period_opens_first")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValidationError({"closes": _("The closing time must come after the opening time.")})
