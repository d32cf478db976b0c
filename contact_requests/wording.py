"""A request's steps in words: the customer's history ("you", "our team") and the notes the console
shows (a change, an appointment set outside the customer's slots), in the active language."""

from collections.abc import Sequence
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from contact_requests.models import ContactOutcome, ContactRequestEvent, PreferredChannel, TimeSlot
from contact_requests.phrases import channel_phrase, slots_phrase
from contact_requests.timing import misfit_text

Kind = ContactRequestEvent.Kind


def slots_text(slots: Sequence[str]) -> str:
    labels = [str(TimeSlot(slot).label) for slot in slots if slot in TimeSlot.values]
    return ", ".join(labels) if labels else _("any time")


def channel_text(channel: str) -> str:
    return str(PreferredChannel(channel).label) if channel in PreferredChannel.values else channel


def promised_when_text(slots: Sequence[str]) -> str:
    """When we promise to contact the customer, inside a sentence: their slots, else our opening hours."""
    return slots_phrase(slots) or _("during our opening hours")


def when_text(value: str | datetime | None) -> str:
    """An appointment (an ISO string on an event, or a datetime) in the active time zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def change_text(details: dict) -> str:
    """What a customer's change did: "Contact by: Email → Phone call; When: any time → Saturday…"."""
    parts = []
    if "preferred_channel" in details:
        old, new = details["preferred_channel"]
        parts.append(_("Contact by: %(old)s → %(new)s") % {"old": channel_text(old), "new": channel_text(new)})
    if "preferred_time_slots" in details:
        old, new = details["preferred_time_slots"]
        parts.append(_("When: %(old)s → %(new)s") % {"old": slots_text(old), "new": slots_text(new)})
    return "; ".join(parts)


def outside_text(details: dict) -> str:
    """An appointment set outside the customer's window: why it does not fit, the reason, the agreement."""
    if not details.get("misfits"):
        return ""
    why = "; ".join(misfit_text(code) for code in details["misfits"])
    agreed = _("the customer agreed") if details.get("customer_agreed") else ""
    return _("Outside the customer's window (%(why)s). Reason: %(reason)s; %(agreed)s.") % {
        "why": why,
        "reason": details.get("reason", ""),
        "agreed": agreed,
    }


COMPLETED_TEXTS = {
    ContactOutcome.REACHED: lambda: _("We talked with you and closed your request."),
    ContactOutcome.REACHED_EARLIER: lambda: _("We talked with you before the appointment and closed your request."),
    ContactOutcome.NOT_REACHED: lambda: _("We could not reach you and closed your request."),
    ContactOutcome.CUSTOMER_CANCELLED: lambda: _("We closed your request, as you asked."),
}


def customer_step_text(event: ContactRequestEvent) -> str:
    """One step of a request as the customer reads it in their history (empty: not shown to them)."""
    details = event.details or {}
    if event.kind == Kind.CREATED:
        if "preferred_channel" in details:
            return _("You asked to talk to a person, by %(channel)s, %(when)s.") % {
                "channel": channel_phrase(details["preferred_channel"]),
                "when": slots_phrase(details.get("preferred_time_slots", [])) or _("at any time"),
            }
        return _("You asked to talk to a person.")
    if event.kind == Kind.CHANGED:
        return _("You changed your request. %(change)s.") % {"change": change_text(details)}
    if event.kind == Kind.ASSIGNED:
        return _("A member of our team took your request.")
    if event.kind == Kind.SCHEDULED:
        return _("We set an appointment with you: %(when)s.") % {"when": when_text(event.note)}
    if event.kind == Kind.COMPLETED:
        text = COMPLETED_TEXTS.get(event.outcome_code)
        return text() if text else _("We closed your request.")
    if event.kind == Kind.CANCELLED:
        if event.actor_type == "api_client":
            return _("Your request was cancelled on your behalf by one of our systems.")
        return _("You cancelled your request.")
    if event.kind == Kind.UNREACHABLE:
        return _("We tried to contact you but could not reach you, so we closed your request.")
    if event.kind == Kind.WITHDRAWN:
        return _("Your request was closed because your personal data was erased.")
    return ""  # escalation is the team's own business
