"""The email and SMS outbox: one row per message to send."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundMessage(models.Model):
    """An email or SMS to send, written in the same transaction as the change that caused it.

    The Celery task sends it and stamps sent_at; the beat job re-drives whatever a broker or mail
    server outage left behind, so a message is never lost.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "email"
        SMS = "sms", "SMS"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbound_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}: {self.subject or self.body[:40]}"
