"""The consent ledger and a request's steps in the console's words: who acted in staff wording (the
customer's history says "you"; preferences.domain.STAFF_ACTOR_LABELS) with the staff member's address
and the API client's name instead of ids, reason codes by their label, times in the team's time zone."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from api.models import ApiClient
from contact_requests.models import ContactRequestEvent
from contact_requests.wording import change_text, outside_text, when_text
from preferences.domain import STAFF_ACTOR_LABELS, ActorType
from preferences.history import EventRow
from support.models import ReasonCode


@dataclass(frozen=True)
class StaffLedgerRow:
    row: EventRow
    who: str  # e.g. "staff member agent@example.com" or "the customer"
    how: str
    reason_label: str  # the reason code's label in the active language, "" without a code


def _actor_names(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(actor type, id) → the staff member's address or the API client's name (a query per kind)."""
    staff_ids = [int(i) for kind, i in pairs if kind == ActorType.STAFF and i.isdigit()]
    client_ids = [int(i) for kind, i in pairs if kind in (ActorType.API_CLIENT, ActorType.SMS_STOP) and i.isdigit()]
    names: dict[tuple[str, str], str] = {}
    if staff_ids:
        for pk, email in get_user_model().objects.filter(pk__in=staff_ids).values_list("pk", "email"):
            names[(ActorType.STAFF, str(pk))] = email
    if client_ids:
        for pk, name in ApiClient.objects.filter(pk__in=client_ids).values_list("pk", "name"):
            names[(ActorType.API_CLIENT, str(pk))] = name
            names[(ActorType.SMS_STOP, str(pk))] = name
    return names


def actor_text(actor_type: str, actor_id: str, names: dict[tuple[str, str], str]) -> str:
    text = str(STAFF_ACTOR_LABELS.get(actor_type, actor_type))
    name = names.get((actor_type, actor_id))
    return f"{text} {name}" if name else text


def staff_ledger_rows(rows: list[EventRow]) -> list[StaffLedgerRow]:
    """The page's ledger rows (event_rows(..., for_staff=True)) with who acted by name and the reason
    codes' labels (at most three queries, whatever the number of rows)."""
    names = _actor_names({(row.event.actor_type, row.event.actor_id) for row in rows if row.event.actor_id})
    codes = {row.event.reason_code for row in rows if row.event.reason_code}
    labels = {code.code: code.label for code in ReasonCode.objects.filter(code__in=codes)} if codes else {}
    result = []
    for row in rows:
        event = row.event
        result.append(
            StaffLedgerRow(
                row=row,
                who=actor_text(event.actor_type, event.actor_id, names),
                how=row.how,
                reason_label=labels.get(event.reason_code, event.reason_code),
            )
        )
    return result


def request_event_note(event: ContactRequestEvent) -> str:
    """A step's note for staff: an appointment (stored as an ISO time) formatted in the team's zone,
    with the reason and the customer's agreement when it is outside their window; a customer's change;
    from whom a request was taken over, by its assignment or by a step done while taking it over."""
    details = event.details or {}
    taken_from = details.get("taken_over_from")
    if event.kind == ContactRequestEvent.Kind.ASSIGNED and taken_from:
        return _("%(person)s, taken over from %(previous)s") % {"person": event.note, "previous": taken_from}
    if event.kind == ContactRequestEvent.Kind.SCHEDULED and event.note:
        parts = [when_text(event.note), outside_text(details)]
    elif event.kind == ContactRequestEvent.Kind.CHANGED:
        parts = [change_text(details)]
    else:
        parts = [event.note]
    if taken_from:  # a step done while taking the request over
        parts.append(_("(taken over from %(previous)s)") % {"previous": taken_from})
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class RequestEventRow:
    event: ContactRequestEvent
    who: str
    note: str


def request_event_rows(events: list[ContactRequestEvent]) -> list[RequestEventRow]:
    """A request's steps for staff: who in staff wording with their address or name, notes readable."""
    names = _actor_names({(event.actor_type, event.actor_id) for event in events if event.actor_id})
    return [
        RequestEventRow(
            event=event, who=actor_text(event.actor_type, event.actor_id, names), note=request_event_note(event)
        )
        for event in events
    ]
