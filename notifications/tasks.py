"""Celery tasks of the email and SMS outbox: send one message, re-drive what an outage left."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.tasks.outbound_message_send")
def outbound_message_send(message_id: int) -> None:
    services.outbound_message_send(message_id=message_id)


@shared_task(name="notifications.tasks.email_outbox_redrive")
def email_outbox_redrive() -> int:
    """Beat job: send what a broker or mail-server outage left behind."""
    due = services.outbound_messages_due()
    for message_id in due:
        services.outbound_message_send(message_id=message_id)
    return len(due)
