"""Celery tasks of the API: purge the Idempotency-Key answers past their time."""

from celery import shared_task

from api import idempotency


@shared_task(name="api.tasks.idempotent_requests_purge")
def idempotent_requests_purge() -> int:
    """Beat job (hourly): keys and kept answers live IDEMPOTENCY_KEY_TTL_SECONDS."""
    return idempotency.idempotent_requests_purge()
