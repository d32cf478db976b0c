"""Writes made in the console on a customer's behalf."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roles import is_staff_member
from notifications.services import email_enqueue
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.history import event_rows
from preferences.ledger import ChangeContext, reason_given
from preferences.models import ConsentEvent, Customer
from preferences.selectors import customer_email_address
from preferences.state import PreferenceError
from support.models import ReasonCode

EVIDENCE_MAX_LENGTH = 300  # ConsentEvent.evidence


def customer_override_apply(
    *,
    customer_id: int,
    changes: dict[str, Any],
    staff_user,
    reason_code: str,
    reason: str,
    evidence: str = "",
    ip_truncated: str = "",
    user_agent: str = "",
) -> list[ConsentEvent]:
    """Change settings on the customer's behalf and email them what changed and why.

    One transaction: the consent events (actor: the agent, with reason code, reason and evidence)
    and the outbox row of the email commit together. Returns the events written (none when nothing
    changed, and then no email is sent). Raises PreferenceError when a rule is broken.
    """
    if not is_staff_member(staff_user):
        raise PermissionDenied
    code = ReasonCode.objects.filter(code=reason_code, is_active=True).first()
    errors = {}
    if code is None:
        errors["reason_code"] = _("Choose a reason code.")
    if not reason_given(reason):
        errors["reason"] = _("Explain why you make this change for the customer.")
    if len((evidence or "").strip()) > EVIDENCE_MAX_LENGTH:
        errors["evidence"] = _("Keep it under %(max)s characters.") % {"max": EVIDENCE_MAX_LENGTH}
    if errors:
        raise PreferenceError(errors)
    context = ChangeContext(
        actor_type=ActorType.STAFF,
        source=Source.CONSOLE,
        actor_id=str(staff_user.pk),
        reason_code=code.code,
        reason=reason.strip(),
        evidence=(evidence or "").strip(),
        ip_truncated=ip_truncated,
        user_agent=user_agent,
    )
    with transaction.atomic():
        changed = preferences_change(customer_id=customer_id, changes=changes, context=context)
        if changed.events:
            _override_email_queue(
                customer=changed.document.customer, events=changed.events, code=code, reason=context.reason
            )
    return changed.events


def _override_email_queue(*, customer: Customer, events: list[ConsentEvent], code: ReasonCode, reason: str) -> None:
    address = customer_email_address(customer)
    if not address:
        return
    with translation.override(customer.language):
        body = render_to_string(
            "support/email/override.txt",
            {
                "rows": event_rows(events, catalog_get()),
                "reason_label": code.label,
                "reason": reason,
                "url": settings.SITE_URL.rstrip("/") + reverse("preferences:history"),
            },
        )
        subject = _("Our support team changed your contact preferences")
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=[address]), language=customer.language)
