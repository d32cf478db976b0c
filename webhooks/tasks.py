"""Celery tasks of the webhooks app (relay, one delivery attempt, the beat re-drive): each calls a service."""

from celery import shared_task

from webhooks import attempts, relay


@shared_task(name="webhooks.tasks.webhook_outbox_relay")
def webhook_outbox_relay() -> int:
    """Give new outbox events their deliveries (queued right after the change commits)."""
    return len(relay.outbox_relay())


@shared_task(name="webhooks.tasks.webhook_delivery_attempt")
def webhook_delivery_attempt(delivery_id: int) -> None:
    attempts.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.tasks.webhooks_redrive")
def webhooks_redrive() -> int:
    """Beat job: relay what a broker outage left behind, and retry due deliveries."""
    return relay.webhooks_redrive()
