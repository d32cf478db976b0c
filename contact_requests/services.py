"""Writes to human-contact requests: creation and the state changes. Each service runs in one
transaction: it changes the request, appends a ContactRequestEvent and queues the customer's email in
the outbox (sent after commit; contact_requests.emails), the shared part in contact_requests.transitions.
Deadlines and appointments keep to the customer's slots and the team's hours (contact_requests.timing).
Overdue escalation: contact_requests.escalation."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_staff_member
from contact_requests.actors import (  # re-exported: callers use services.Actor and services.ContactRequestError
    Actor,
    ContactRequestError,
    ContactRequestForbidden,
    ContactRequestLimitReached,
    ContactRequestTaken,
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
    TimeSlot,
)
from contact_requests.outcomes import OUTCOME_MAX_LENGTH, outcome_input_check, outcome_timing_check
from contact_requests.reachability import channel_contact_points, channel_missing_text, reachable_channels
from contact_requests.timing import appointment_check, due_at_compute, service_level_for, time_slots_check
from contact_requests.transitions import Unchanged, holder_become, request_event_append, request_transition
from preferences.domain import ActorType
from preferences.models import ContactPoint, Customer, Topic

__all__ = [
    "Actor",
    "ContactRequestError",
    "ContactRequestForbidden",
    "ContactRequestLimitReached",
    "ContactRequestTaken",
    "ContactRequestUnreachable",
    "OUTCOME_MAX_LENGTH",
    "service_level_for",
]

REASON_MAX_LENGTH = 2000
# A customer (or a chatbot for them) cannot flood the queue.
MAX_ACTIVE_PER_CUSTOMER = 5

Status = ContactRequestStatus
Kind = ContactRequestEvent.Kind
# contact_request_assign without `seen_assignee_id`: whoever holds the request (a supervisor's reassignment).
ANY_HOLDER = object()


# --- Create ------------------------------------------------------------------------------------


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
    elif refusal := time_slots_check(customer=customer, slots=slots, now=now):  # only slots the team works
        errors["preferred_time_slots"] = refusal
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
            message = _("You already have %(count)s requests in progress. Cancel one or wait for our answer.")
            limit = MAX_ACTIVE_PER_CUSTOMER
            raise ContactRequestLimitReached({"reason": message % {"count": active}}, count=active, limit=limit)
        level = service_level_for(preferred_channel=preferred_channel)
        contact_request = ContactRequest.objects.create(
            customer=customer,
            topic=topic,
            reason=reason,
            preferred_channel=preferred_channel,
            preferred_time_slots=slots,
            language=language or customer.language,
            contested_decision=contested_decision,
            service_level=level,
            due_at=due_at_compute(
                customer=customer, channel=preferred_channel, slots=slots, service_level=level, start=now
            ),
            created_by_type=created_by_type,
            created_by_id=str(actor_id or ""),
        )
        request_event_append(
            contact_request,
            kind=Kind.CREATED,
            old_status="",
            actor=Actor(type=created_by_type, id=str(actor_id or "")),
            now=now,
            details={"preferred_channel": preferred_channel, "preferred_time_slots": slots},
        )
        customer_email_queue(contact_request, template="created")
        contact_request_event_record(type="contact_request.created", contact_request=contact_request)
    return contact_request


# --- State changes ---------------------------------------------------------------------------------


def _require_customer_side(actor: Actor, message: str) -> None:
    if actor.type not in (ActorType.CUSTOMER, ActorType.API_CLIENT):
        raise ContactRequestForbidden(message)


def contact_request_cancel(*, contact_request_id: int, actor: Actor, now: datetime | None = None) -> ContactRequest:
    """The customer (or a system acting for them) withdraws a request nobody has taken yet; once a
    person has it, the customer contacts the team instead (ContactRequestTaken)."""
    _require_customer_side(actor, _("Only the customer can cancel their request."))
    return request_transition(
        contact_request_id=contact_request_id,
        actor=actor,
        kind=Kind.CANCELLED,
        new_status=Status.CANCELLED,
        now=now,
        from_statuses=(Status.OPEN,),
    )


def contact_request_change(
    *,
    contact_request_id: int,
    actor: Actor,
    preferred_channel: str,
    preferred_time_slots: Sequence[str],
    now: datetime | None = None,
) -> ContactRequest:
    """The customer changes how (a channel they can be reached on) and when (their slots, among those
    the team works) to be contacted, until a person takes the request; the due time follows the new slots."""
    _require_customer_side(actor, _("Only the customer can change their request."))
    slots = list(dict.fromkeys(preferred_time_slots or ()))
    if preferred_channel not in PreferredChannel.values:
        raise ContactRequestError({"preferred_channel": _("Choose how you would like to be contacted.")})
    if any(slot not in TimeSlot.values for slot in slots):
        raise ContactRequestError({"preferred_time_slots": _("Choose among the time slots offered.")})

    def change(contact_request: ContactRequest) -> dict:
        points = list(ContactPoint.objects.filter(customer_id=contact_request.customer_id))
        if not channel_contact_points(points, preferred_channel):
            raise ContactRequestUnreachable(
                {"preferred_channel": channel_missing_text(preferred_channel)},
                channel=preferred_channel,
                reachable=reachable_channels(points),
            )
        if refusal := time_slots_check(customer=contact_request.customer, slots=slots, now=now or timezone.now()):
            raise ContactRequestError({"preferred_time_slots": refusal})
        details = {}
        if preferred_channel != contact_request.preferred_channel:
            details["preferred_channel"] = [contact_request.preferred_channel, preferred_channel]
        if slots != list(contact_request.preferred_time_slots):
            details["preferred_time_slots"] = [list(contact_request.preferred_time_slots), slots]
        if not details:
            raise ContactRequestError(
                {"preferred_channel": _("Nothing changed: choose another channel or other times.")}
            )
        contact_request.preferred_channel = preferred_channel
        contact_request.preferred_time_slots = slots
        contact_request.due_at = due_at_compute(
            customer=contact_request.customer,
            channel=preferred_channel,
            slots=slots,
            service_level=contact_request.service_level,
            start=contact_request.created_at,
        )
        return details

    return request_transition(
        contact_request_id=contact_request_id,
        actor=actor,
        kind=Kind.CHANGED,
        new_status=Status.OPEN,
        now=now,
        change=change,
        from_statuses=(Status.OPEN,),
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
            request_transition(
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
    *, contact_request_id: int, actor: Actor, assignee, seen_assignee_id=ANY_HOLDER, now: datetime | None = None
) -> ContactRequest:
    """Give a request to a member of staff (often "assign to me"); an open request becomes assigned.

    `seen_assignee_id`: who held the request on the page the actor acted from (None: nobody). When
    given, a request somebody else has taken since is refused, so that two people never both believe it is
    theirs; taking it over from the person seen is recorded with their address. Giving a request to the
    person who already has it records nothing."""
    _require_staff_person(actor)
    if assignee is None or not is_staff_member(assignee):
        raise ContactRequestError({"assignee": _("Requests can only be assigned to support staff.")})

    def change(contact_request: ContactRequest) -> dict | None:
        holder = contact_request.assigned_to
        if holder is not None and holder.pk == assignee.pk:
            raise Unchanged
        if seen_assignee_id is not ANY_HOLDER and holder is not None and holder.pk != seen_assignee_id:
            message = _("%(person)s took this request in the meantime: agree with them before you take it over.")
            raise ContactRequestError({"assignee": message % {"person": holder.email}})
        contact_request.assigned_to = assignee
        return {"taken_over_from": holder.email} if holder is not None else None

    return request_transition(
        contact_request_id=contact_request_id,
        actor=actor,
        kind=Kind.ASSIGNED,
        new_status=None,  # open → assigned; an assigned or scheduled request keeps its status
        now=now,
        change=change,
        note=assignee.email,
    )


def contact_request_schedule(
    *,
    contact_request_id: int,
    actor: Actor,
    scheduled_for: datetime,
    outside_reason: str = "",
    customer_agreed: bool = False,
    now: datetime | None = None,
    take_over_from: int | None = None,
) -> ContactRequest:
    """Set (or move) the appointment; the request goes to the actor if nobody has it yet (a colleague's
    only when taken over from them: see holder_become, as for the steps below).

    The time must fit the customer's slots, their quiet hours and the team's opening hours
    (contact_requests.timing.appointments_proposed offers such times); another time needs a reason
    and the customer's agreement, both recorded on the event."""
    _require_staff_person(actor)
    now_value = now or timezone.now()
    if scheduled_for is None or scheduled_for <= now_value:
        raise ContactRequestError({"scheduled_for": _("Choose a time in the future.")})

    def change(contact_request: ContactRequest) -> dict:
        details = appointment_check(
            contact_request=contact_request,
            scheduled_for=scheduled_for,
            outside_reason=outside_reason,
            customer_agreed=customer_agreed,
            now=now_value,
        )
        contact_request.scheduled_for = scheduled_for
        return details | (holder_become(contact_request, actor, take_over_from) or {})

    return request_transition(
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
    take_over_from: int | None = None,
) -> ContactRequest:
    """A person closes the request with how it ended (a ContactOutcome) and a note the customer sees.
    Never done by an API client.

    "Reached" needs the note (what was agreed) and cannot come before the appointment; the other
    outcomes may close the request before its appointment only with a note saying why."""
    _require_staff_person(actor)
    now = now or timezone.now()
    outcome = (outcome or "").strip()
    outcome_input_check(outcome_code=outcome_code, outcome=outcome)

    def change(contact_request: ContactRequest) -> dict | None:
        outcome_timing_check(contact_request=contact_request, outcome_code=outcome_code, outcome=outcome, now=now)
        contact_request.outcome = outcome
        contact_request.outcome_code = outcome_code
        return holder_become(contact_request, actor, take_over_from)

    return request_transition(
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
    *, contact_request_id: int, actor: Actor, note: str = "", now: datetime | None = None, take_over_from: int | None = None
) -> ContactRequest:
    """Staff tried and could not reach the customer: the request closes; the customer is told."""
    _require_staff_person(actor)
    note = (note or "").strip()[:OUTCOME_MAX_LENGTH]

    def change(contact_request: ContactRequest) -> dict | None:
        contact_request.outcome = note
        return holder_become(contact_request, actor, take_over_from)

    return request_transition(
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
