"""The locked state change every request service shares: lock the request, check it is still in
progress, apply the change, then record it (a ContactRequestEvent, a webhook) and tell the customer."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contact_requests.actors import Actor, ContactRequestError, ContactRequestTaken
from contact_requests.emails import customer_email_queue
from contact_requests.events import contact_request_event_record
from contact_requests.models import ACTIVE_STATUSES, ContactRequest, ContactRequestEvent, ContactRequestStatus

Status = ContactRequestStatus
Kind = ContactRequestEvent.Kind


class Unchanged(Exception):
    """Raised by a transition's `change` when the request already is as asked: nothing is recorded."""


def holder_become(contact_request: ContactRequest, actor: Actor, take_over_from: int | None = None) -> dict | None:
    """A step on a request (schedule, complete, unreachable) is its holder's: the request goes to the
    actor if nobody has it yet. One a colleague holds is refused, so that two people never work one
    request without knowing it, unless the actor takes it over from that very colleague (the holder
    their page showed, `take_over_from`): then the step's event says from whom (the details returned)."""
    holder = contact_request.assigned_to
    taken_from = holder is not None and holder.pk != actor.user.pk
    if taken_from and holder.pk != take_over_from:
        message = _("%(person)s holds this request: take it over (or agree with them) before you do this.")
        raise ContactRequestError({"assigned_to": message % {"person": holder.email}})
    contact_request.assigned_to = actor.user
    return {"taken_over_from": holder.email} if taken_from else None


# What a request row may change in a transition (saved with update_fields).
CHANGEABLE_FIELDS = [
    "status",
    "assigned_to",
    "scheduled_for",
    "outcome",
    "outcome_code",
    "answered_at",
    "closed_at",
    "preferred_channel",
    "preferred_time_slots",
    "due_at",
    "updated_at",
]


def request_transition(
    *,
    contact_request_id: int,
    actor: Actor,
    kind: str,
    new_status: str | None,
    now: datetime | None,
    change=None,
    note: str = "",
    outcome_code: str = "",
    notify_customer: bool = True,
    from_statuses=ACTIVE_STATUSES,
) -> ContactRequest:
    """Lock the request, check it is in one of `from_statuses`, apply the change, record and tell.

    `change(contact_request)` may refuse (raise), may find nothing to do (raise Unchanged: the request
    is returned as it is, with no event) and may return details to keep on the event."""
    now = now or timezone.now()
    with transaction.atomic():
        contact_request = (
            ContactRequest.objects.select_for_update(of=("self",)).select_related("customer").get(pk=contact_request_id)
        )
        if contact_request.status not in ACTIVE_STATUSES:
            raise ContactRequestError(
                {
                    "status": _("This request is closed (status: “%(status)s”): it cannot change any more.")
                    % {"status": contact_request.get_status_display()}
                }
            )
        if contact_request.status not in from_statuses:
            raise ContactRequestTaken(
                {
                    "status": _(
                        "A member of our team has already taken this request: to change or cancel it, contact the team."
                    )
                }
            )
        old_status = contact_request.status
        if new_status is None:
            new_status = Status.ASSIGNED if old_status == Status.OPEN else old_status
        try:
            details = (change(contact_request) if change is not None else None) or {}
        except Unchanged:
            return contact_request
        contact_request.status = new_status
        if (
            new_status in (Status.SCHEDULED, Status.COMPLETED, Status.UNREACHABLE)
            and contact_request.answered_at is None
        ):
            contact_request.answered_at = now
        if new_status not in ACTIVE_STATUSES:
            contact_request.closed_at = now
        contact_request.save(update_fields=CHANGEABLE_FIELDS)
        request_event_append(
            contact_request,
            kind=kind,
            old_status=old_status,
            actor=actor,
            now=now,
            note=note,
            outcome_code=outcome_code,
            details=details,
        )
        extra = {"outcome": outcome_code} if outcome_code else {}
        contact_request_event_record(
            type="contact_request.changed", contact_request=contact_request, old_status=old_status, change=kind, **extra
        )
        if notify_customer and kind == Kind.CHANGED:
            customer_email_queue(contact_request, template="changed")
        # Rescheduling changes what the customer must know, so it is told like a state change.
        elif notify_customer and (new_status != old_status or kind == Kind.SCHEDULED):
            customer_email_queue(contact_request, template="status_changed")
    return contact_request


def request_event_append(
    contact_request: ContactRequest,
    *,
    kind: str,
    old_status: str,
    actor: Actor,
    now: datetime,
    note: str = "",
    outcome_code: str = "",
    details: dict | None = None,
) -> ContactRequestEvent:
    """Append one step to the request's history (append-only)."""
    return ContactRequestEvent.objects.create(
        contact_request=contact_request,
        occurred_at=now,
        kind=kind,
        old_status=old_status,
        new_status=contact_request.status,
        actor_type=actor.type,
        actor_id=actor.id,
        note=note,
        outcome_code=outcome_code,
        details=details or {},
    )
