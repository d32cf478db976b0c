"""Overdue escalation: requests nobody answered by their due time are flagged once, with an event,
and the supervisors are told by email (the beat job contact_requests.tasks runs it)."""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.roles import supervisor_emails
from contact_requests.models import UNANSWERED_STATUSES, ContactRequest, ContactRequestEvent
from notifications.services import email_enqueue
from preferences.domain import ActorType

ESCALATION_BATCH = 500

Kind = ContactRequestEvent.Kind


def contact_requests_escalate_overdue(*, now: datetime | None = None) -> list[int]:
    """Flag requests not answered by their due time and tell the supervisors (once per request)."""
    now = now or timezone.now()
    with transaction.atomic():
        overdue = list(
            ContactRequest.objects.select_for_update()
            .filter(status__in=UNANSWERED_STATUSES, due_at__lt=now, escalated_at__isnull=True)
            .order_by("due_at")[:ESCALATION_BATCH]
        )
        if not overdue:
            return []
        ids = [contact_request.pk for contact_request in overdue]
        ContactRequest.objects.filter(pk__in=ids).update(escalated_at=now)
        ContactRequestEvent.objects.bulk_create(
            [
                ContactRequestEvent(
                    contact_request=contact_request,
                    occurred_at=now,
                    kind=Kind.ESCALATED,
                    old_status=contact_request.status,
                    new_status=contact_request.status,
                    actor_type=ActorType.SYSTEM,
                )
                for contact_request in overdue
            ]
        )
        _supervisors_email_queue(overdue, now=now)
    return ids


def _supervisors_email_queue(overdue: list[ContactRequest], *, now: datetime) -> None:
    addresses = supervisor_emails()
    if not addresses:
        return
    rows = [
        {
            "contact_request": contact_request,
            "url": settings.SITE_URL.rstrip("/") + reverse("support:request_detail", args=[contact_request.pk]),
        }
        for contact_request in overdue
    ]
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string("contact_requests/email/escalated.txt", {"rows": rows, "now": now})
        subject = ngettext(
            "%(count)s contact request is overdue", "%(count)s contact requests are overdue", len(overdue)
        ) % {"count": len(overdue)}
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=addresses), language=settings.LANGUAGE_CODE)
