"""Celery tasks of one-click links: forgetting expired links."""

from celery import shared_task

from links import services


@shared_task(name="links.tasks.links_expired_delete")
def links_expired_delete() -> int:
    """Beat job: forget one-click links long expired."""
    return services.links_expired_delete()
