"""Writes to human-contact requests: creation and the state changes. Each service runs in one
transaction: it changes the request, appends a ContactRequestEvent and queues the customer's email in
the outbox (sent after commit; contact_requests.emails). Overdue escalation: contact_requests.escalation."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_staff_member
from contact_requests.actors import (  # re-exported: callers use services.Actor and services.ContactRequestError
    Actor,
    ContactRequestError,
    ContactRequestForbidden,
    ContactRequestLimitReached,
    ContactRequestUnreachable,
)
from contact_requests.emails import customer_email_queue
from contact_requests.events import contact_request_event_record
from contact_requests.models import (
    ACTIVE_STATUSES,
    ContactRequest,
    ContactRequestEvent,
    ContactRequestStatus,
    CreatedByType,
    PreferredChannel,
    ServiceLevel,
    TimeSlot,
)
from contact_requests.outcomes import OUTCOME_MAX_LENGTH, outcome_input_check, outcome_timing_check
from contact_requests.reachability import channel_contact_points, channel_missing_text, reachable_channels
from preferences.domain import ActorType
from preferences.models import ContactPoint, Customer, Topic

__all__ = [
    "Actor",
    "ContactRequestError",
    "ContactRequestForbidden",
    "ContactRequestLimitReached",
    "ContactRequestUnreachable",
    "OUTCOME_MAX_LENGTH",
]

REASON_MAX_LENGTH = 2000
# Without any configured service level, a person answers within this time.
FALLBACK_RESPONSE_TIME = timedelta(hours=48)
# A customer (or a chatbot for them) cannot flood the queue.
MAX_ACTIVE_PER_CUSTOMER = 5

Status = ContactRequestStatus
Kind = ContactRequestEvent.Kind


# --- Create ------------------------------------------------------------------------------------


def service_level_for(*, preferred_channel: str) -> ServiceLevel | None:
    """The active level for this channel, else the active default level (no channel), else None."""
    levels = ServiceLevel.objects.filter(is_active=True).filter(
        Q(preferred_channel=preferred_channel) | Q(preferred_channel="")
    )
    # The level for the channel sorts after the default ("" < "phone"), so it wins when both exist.
    return levels.order_by("-preferred_channel", "response_hours").first()


def contact_request_create(
    *,
    customer: Customer,
    reason: str,
    preferred_channel: str,
    created_by_type: str,
    actor_id: str = "",
    topic: Topic | None = None,
    preferred_time_slots: Sequence[str] = (),
    language: str | None = None,
    contested_decision: str = "",
    now: datetime | None = None,
) -> ContactRequest:
    """Open a request for a person to contact the customer, and acknowledge it by email.

    `created_by_type` is a CreatedByType value ("customer", "api_client" for a chatbot or another
    system acting for the customer, "staff"); `actor_id` names the user or API client. `language`
    defaults to the customer's. The due time comes from the service level of the preferred channel.
    Raises ContactRequestError on bad input, ContactRequestUnreachable when the customer has no usable
    contact point for the channel (see contact_requests.reachability).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    contested_decision = (contested_decision or "").strip()
    slots = list(dict.fromkeys(preferred_time_slots or ()))
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Tell us briefly what you would like to talk about.")
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = _("Keep it under %(max)s characters.") % {"max": REASON_MAX_LENGTH}
    if len(contested_decision) > REASON_MAX_LENGTH:
        errors["contested_decision"] = _("Keep it under %(max)s characters.") % {"max": REASON_MAX_LENGTH}
    if preferred_channel not in PreferredChannel.values:
        errors["preferred_channel"] = _("Choose how you would like to be contacted.")
    if any(slot not in TimeSlot.values for slot in slots):
        errors["preferred_time_slots"] = _("Choose among the time slots offered.")
    if language is not None and language not in Customer.Language.values:
        errors["language"] = _("Choose French or English.")
    if created_by_type not in CreatedByType.values:
        errors["created_by_type"] = _("Unknown kind of requester.")
    if errors:
        raise ContactRequestError(errors)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.erased_at is not None:
            raise ContactRequestError({"customer": _("This customer's data has been erased.")})
        points = list(ContactPoint.objects.filter(customer=customer))
        if not channel_contact_points(points, preferred_channel):
            raise ContactRequestUnreachable(
                {"preferred_channel": channel_missing_text(preferred_channel)},
                channel=preferred_channel,
                reachable=reachable_channels(points),
            )
        active = ContactRequest.objects.filter(customer=customer, status__in=ACTIVE_STATUSES).count()
        if active >= MAX_ACTIVE_PER_CUSTOMER:
            raise ContactRequestLimitReached(
                {
                    "reason": _("You already have %(count)s requests in progress. Cancel one or wait for our answer.")
                    % {"count": active}
                }
            )
        level = service_level_for(preferred_channel=preferred_channel)
        response_time = timedelta(hours=level.response_hours) if level else FALLBACK_RESPONSE_TIME
        contact_request = ContactRequest.objects.create(
            customer=customer,
            topic=topic,
            reason=reason,
            preferred_channel=preferred_channel,
            preferred_time_slots=slots,
            language=language or customer.language,
            contested_decision=contested_decision,
            service_level=level,
            due_at=now + response_time,
            created_by_type=created_by_type,
            created_by_id=str(actor_id or ""),
        )
        _event_append(
            contact_request,
            kind=Kind.CREATED,
            old_status="",
            actor=Actor(type=created_by_type, id=str(actor_id or "")),
            now=now,
        )
        customer_email_queue(contact_request, template="created")
        contact_request_event_record(type="contact_request.created", contact_request=contact_request)
    return contact_request


# --- State changes ---------------------------------------------------------------------------------


def contact_request_cancel(*, contact_request_id: int, actor: Actor, now: datetime | None = None) -> ContactRequest:
    """The customer (or a system acting for them) withdraws a request still in progress."""
    if actor.type not in (ActorType.CUSTOMER, ActorType.API_CLIENT):
        raise ContactRequestForbidden(_("Only the customer can cancel their request."))
    return _transition(
        contact_request_id=contact_request_id, actor=actor, kind=Kind.CANCELLED, new_status=Status.CANCELLED, now=now
    )


def contact_requests_withdraw(*, customer_id: int, actor: Actor, now: datetime | None = None) -> list[ContactRequest]:
    """Close every request of a customer still in progress, because their personal data is being
    erased: nobody may contact them about it any more. Each is a state change (event, webhook) like
    any other, but the customer gets no email (their addresses are being erased). Call it inside the
    erasure's transaction, before the free texts are blanked."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            ContactRequest.objects.filter(customer_id=customer_id, status__in=ACTIVE_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return [
            _transition(
                contact_request_id=contact_request_id,
                actor=actor,
                kind=Kind.WITHDRAWN,
                new_status=Status.WITHDRAWN,
                now=now,
                notify_customer=False,
            )
            for contact_request_id in ids
        ]


def contact_request_assign(
    *, contact_request_id: int, actor: Actor, assignee, now: datetime | None = None
) -> ContactRequest:
    """Give a request to a member of staff (often "assign to me"); an open request becomes assigned."""
    _require_staff_person(actor)
    if assignee is None or not is_staff_member(assignee):
        raise ContactRequestError({"assignee": _("Requests can only be assigned to support staff.")})

    def change(contact_request: ContactRequest) -> None:
        contact_request.assigned_to = assignee

    return _transition(
        contact_request_id=contact_request_id,
        actor=actor,
        kind=Kind.ASSIGNED,
        new_status=None,  # open → assigned; an assigned or scheduled request keeps its status
        now=now,
        change=change,
        note=assignee.email,
    )


def contact_request_schedule(
    *, contact_request_id: int, actor: Actor, scheduled_for: datetime, now: datetime | None = None
) -> ContactRequest:
    """Set (or move) the appointment; the request goes to the actor if nobody has it yet."""
    _require_staff_person(actor)
    now_value = now or timezone.now()
    if scheduled_for is None or scheduled_for <= now_value:
        raise ContactRequestError({"scheduled_for": _("Choose a time in the future.")})

    def change(contact_request: ContactRequest) -> None:
        contact_request.scheduled_for = scheduled_for
        contact_request.assigned_to = contact_request.assigned_to or actor.user

    return _transition(
        contact_request_id=contact_request_id,
        actor=actor,
        kind=Kind.SCHEDULED,
        new_status=Status.SCHEDULED,
        now=now_value,
        change=change,
        note=scheduled_for.isoformat(),
    )


def contact_request_complete(
    *,
    contact_request_id: int,
    actor: Actor,
    outcome_code: str,
    outcome: str = "",
    now: datetime | None = None,
) -> ContactRequest:
    """A person closes the request with how it ended (a ContactOutcome) and a note the customer sees.
    Never done by an API client.

    "Reached" needs the note (what was agreed) and cannot come before the appointment; the other
    outcomes may close the request before its appointment only with a note saying why."""
    _require_staff_person(actor)
    now = now or timezone.now()
    outcome = (outcome or "").strip()
    outcome_input_check(outcome_code=outcome_code, outcome=outcome)

    def change(contact_request: ContactRequest) -> None:
        outcome_timing_check(contact_request=contact_request, outcome_code=outcome_code, outcome=outcome, now=now)
        contact_request.outcome = outcome
        contact_request.outcome_code = outcome_code
        contact_request.assigned_to = contact_request.assigned_to or actor.user

    return _transition(
        contact_request_id=contact_request_id,
        actor=actor,
        kind=Kind.COMPLETED,
        new_status=Status.COMPLETED,
        now=now,
        change=change,
        note=outcome,
        outcome_code=outcome_code,
    )


def contact_request_mark_unreachable(
    *, contact_request_id: int, actor: Actor, note: str = "", now: datetime | None = None
) -> ContactRequest:
    """Staff tried and could not reach the customer: the request closes; the customer is told."""
    _require_staff_person(actor)
    note = (note or "").strip()[:OUTCOME_MAX_LENGTH]

    def change(contact_request: ContactRequest) -> None:
        contact_request.outcome = note
        contact_request.assigned_to = contact_request.assigned_to or actor.user

    return _transition(
        contact_request_id=contact_request_id,
        actor=actor,
        kind=Kind.UNREACHABLE,
        new_status=Status.UNREACHABLE,
        now=now,
        change=change,
        note=note,
    )


def _require_staff_person(actor: Actor) -> None:
    if not actor.is_staff_person:
        raise ContactRequestForbidden(_("Only a member of our support team can do this."))


def _transition(
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
) -> ContactRequest:
    """Lock the request, check it is still in progress, apply the change, record and tell."""
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
        old_status = contact_request.status
        if new_status is None:
            new_status = Status.ASSIGNED if old_status == Status.OPEN else old_status
        if change is not None:
            change(contact_request)
        contact_request.status = new_status
        if (
            new_status in (Status.SCHEDULED, Status.COMPLETED, Status.UNREACHABLE)
            and contact_request.answered_at is None
        ):
            contact_request.answered_at = now
        if new_status not in ACTIVE_STATUSES:
            contact_request.closed_at = now
        contact_request.save(
            update_fields=[
                "status",
                "assigned_to",
                "scheduled_for",
                "outcome",
                "outcome_code",
                "answered_at",
                "closed_at",
                "updated_at",
            ]
        )
        _event_append(
            contact_request, kind=kind, old_status=old_status, actor=actor, now=now, note=note, outcome_code=outcome_code
        )
        extra = {"outcome": outcome_code} if outcome_code else {}
        contact_request_event_record(
            type="contact_request.changed", contact_request=contact_request, old_status=old_status, change=kind, **extra
        )
        # Rescheduling changes what the customer must know, so it is told like a state change.
        if notify_customer and (new_status != old_status or kind == Kind.SCHEDULED):
            customer_email_queue(contact_request, template="status_changed")
    return contact_request


def _event_append(
    contact_request: ContactRequest,
    *,
    kind: str,
    old_status: str,
    actor: Actor,
    now: datetime,
    note: str = "",
    outcome_code: str = "",
) -> ContactRequestEvent:
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
    )
