"""Queue and send outbound emails and SMS. Nothing is sent inside a transaction; nothing is lost."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from common.tasks import task_queue
from notifications.models import OutboundMessage
from notifications.sender import email_sender
from notifications.sms import sms_backend_get
from notifications.sms_text import sms_text_plain

logger = logging.getLogger(__name__)

# A message not sent after this long is retried by the beat job (a task was lost with the broker).
REDRIVE_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 50


def email_enqueue(*, message: EmailMessage, language: str) -> list[OutboundMessage]:
    """Store an email (one row per recipient) and send it once the transaction commits. `language` is
    the one the email is written in: the sender's name is said in it (notifications.sender)."""
    # EmailMessage (and allauth) fill an unset From with DEFAULT_FROM_EMAIL: that one is replaced, a
    # sender the caller chose is kept.
    from_address = message.from_email
    if not from_address or from_address == settings.DEFAULT_FROM_EMAIL:
        from_address = email_sender(language)
    html_body = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html_body = content
    rows = [
        OutboundMessage.objects.create(
            channel=OutboundMessage.Channel.EMAIL,
            to=recipient,
            subject=str(message.subject),
            body=message.body,
            html_body=html_body,
            from_address=from_address,
        )
        for recipient in message.to
    ]
    for row in rows:
        _send_on_commit(row.pk)
    return rows


def sms_enqueue(*, to: str, body: str) -> OutboundMessage:
    """Store an SMS and send it through the configured gateway once the transaction commits. The body is
    stored as sent: in GSM-7 when it can be (notifications.sms_text), not split into UCS-2 parts."""
    row = OutboundMessage.objects.create(channel=OutboundMessage.Channel.SMS, to=to, body=sms_text_plain(body))
    _send_on_commit(row.pk)
    return row


def _send_on_commit(message_id: int) -> None:
    def send() -> None:
        try:
            task_queue("notifications.tasks.outbound_message_send", message_id)
        except Exception:  # the broker is down: the beat job will pick the row up later
            logger.warning("Could not queue outbound message %s; it will be re-driven.", message_id)

    transaction.on_commit(send)


def outbound_message_send(*, message_id: int) -> OutboundMessage | None:
    """Send one stored message, at most once: the row is locked while it is sent."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id, sent_at__isnull=True).first()
        if message is None:
            return None
        try:
            if message.channel == OutboundMessage.Channel.EMAIL:
                _deliver_email(message)
            else:
                sms_backend_get().send(to=message.to, body=message.body)
        except Exception as error:  # the server failed: keep the row, count the attempt
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.save(update_fields=["attempts", "last_error"])
            logger.warning("Sending outbound message %s failed: %s", message.pk, message.last_error)
            return message
        message.attempts += 1
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return message


def _deliver_email(message: OutboundMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_address or settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    email.send()


def outbound_messages_due(*, now=None) -> list[int]:
    """Ids of unsent messages old enough that their task must have been lost or failed."""
    now = now or timezone.now()
    return list(
        OutboundMessage.objects.filter(
            sent_at__isnull=True, created_at__lte=now - REDRIVE_AFTER, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
