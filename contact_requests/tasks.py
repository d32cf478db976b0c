"""Celery tasks of contact requests: the overdue escalation beat job."""

from celery import shared_task

from contact_requests import escalation


@shared_task(name="contact_requests.tasks.contact_requests_escalate_overdue")
def contact_requests_escalate_overdue() -> int:
    """Beat job: flag overdue requests and tell the supervisors."""
    return len(escalation.contact_requests_escalate_overdue())
