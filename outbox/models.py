"""The outbox of domain events: one row per event, written in the transaction of the change it describes."""

from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _

from common.times import UtcDjangoJSONEncoder
from outbox.events import EventType


class OutboxEvent(models.Model):
    """One domain event, written in the same transaction as the change it describes."""

    type = models.CharField(_("type"), max_length=60, choices=EventType.choices)
    # A time in a payload is written as the API writes it (UTC, `Z`, to the microsecond): what the
    # receivers get (webhooks.attempts.delivery_body) is the stored payload.
    payload = models.JSONField(_("payload"), encoder=UtcDjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # Set once the relay has made a delivery row for every enabled endpoint that wants the event.
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "webhooks_outboxevent"  # the table it had in the webhooks app, kept as it is
        ordering = ["pk"]
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(fields=["created_at"], condition=models.Q(fanned_out_at__isnull=True), name="outbox_pending_idx"),
            # An erasure finds the customer's events (payload__customer_id) without reading the whole outbox.
            models.Index(KeyTransform("customer_id", "payload"), name="outbox_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"
