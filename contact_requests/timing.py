"""A request's times against the customer's slots and the team's hours: the slots a customer may
choose (those the team works), its due time (the service level counted in opening hours, from the
customer's first slot) and the check of an appointment (inside the slots, or outside with a recorded
reason and the customer's agreement)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from contact_requests.actors import ContactRequestError
from contact_requests.availability import (
    DEFAULT_ZONE,
    Misfit,
    customer_window,
    deadline_compute,
    moment_misfits,
    moments_proposed,
    slots_worked,
)
from contact_requests.models import ContactRequest, ServiceLevel, TimeSlot
from contact_requests.phrases import slots_phrase
from contact_requests.team import team_hours_get
from preferences.models import Customer

# Without any configured service level, a person answers within this many opening hours.
FALLBACK_RESPONSE_TIME = timedelta(hours=48)
OUTSIDE_REASON_MAX_LENGTH = 500
PROPOSALS = 5


def service_level_for(*, preferred_channel: str) -> ServiceLevel | None:
    """The active level for this channel, else the active default level (no channel), else None."""
    levels = ServiceLevel.objects.filter(is_active=True).filter(
        Q(preferred_channel=preferred_channel) | Q(preferred_channel="")
    )
    # The level for the channel sorts after the default ("" < "phone"), so it wins when both exist.
    return levels.order_by("-preferred_channel", "response_hours").first()


def time_slots_worked(*, customer: Customer, now: datetime) -> tuple[str, ...]:
    """The time slots this customer may choose: those in which the team works (the team's hours as
    configured, the slots in the customer's time zone). None at all is possible: the customer then
    chooses no slot, which means any time the team works."""
    return slots_worked(team_hours_get(), zone=customer.time_zone or DEFAULT_ZONE, now=now)


def time_slots_refusal(slots: Sequence[str], *, worked: Sequence[str]) -> str:
    """Why these slots cannot be chosen, in the active language; empty when they can. The one rule the
    portal's forms, the API and every service apply: no promise to contact in a slot nobody works."""
    unworked = [slot for slot in TimeSlot.values if slot in slots and slot not in worked]  # in the offered order
    if not unworked:
        return ""
    if not worked:
        message = _("Our team does not work %(slots)s: leave the times empty, and we will contact you during our opening hours.")
    else:
        message = _("Our team does not work %(slots)s: choose another time, or none if any time suits you.")
    return message % {"slots": slots_phrase(unworked)}


def time_slots_check(*, customer: Customer, slots: Sequence[str], now: datetime) -> str:
    """Why this customer cannot choose these slots (empty when they can): what the services refuse."""
    if not slots:  # no slot: any time the team works
        return ""
    return time_slots_refusal(slots, worked=time_slots_worked(customer=customer, now=now))


def _window(customer: Customer, *, channel: str, slots: Sequence[str]):
    return customer_window(
        time_zone=customer.time_zone,
        slots=slots,
        channel=channel,
        quiet_start=customer.quiet_hours_start,
        quiet_end=customer.quiet_hours_end,
    )


def due_at_compute(
    *, customer: Customer, channel: str, slots: Sequence[str], service_level: ServiceLevel | None, start: datetime
) -> datetime:
    """The service level's hours counted in the team's opening hours, from the customer's first slot."""
    hours = service_level.response_hours if service_level else FALLBACK_RESPONSE_TIME.total_seconds() / 3600
    window = _window(customer, channel=channel, slots=slots)
    return deadline_compute(start=start, response_hours=hours, team=team_hours_get(), window=window)


def request_window(contact_request: ContactRequest):
    """The customer's window for this request (their zone, the chosen slots, quiet hours for calls)."""
    return _window(
        contact_request.customer, channel=contact_request.preferred_channel, slots=contact_request.preferred_time_slots
    )


def appointments_proposed(*, contact_request: ContactRequest, now: datetime, count: int = PROPOSALS) -> list[datetime]:
    """The next moments that fit the customer's slots, their quiet hours and the team's hours."""
    return moments_proposed(now=now, team=team_hours_get(), window=request_window(contact_request), count=count)


MISFIT_TEXTS = {
    Misfit.OUTSIDE_SLOTS: lambda: _("outside the time slots the customer chose"),
    Misfit.QUIET_HOURS: lambda: _("in the customer's quiet hours"),
    Misfit.TEAM_CLOSED: lambda: _("outside our opening hours"),
}


def misfit_text(code: str) -> str:
    text = MISFIT_TEXTS.get(code)
    return text() if text else code


def appointment_check(
    *,
    contact_request: ContactRequest,
    scheduled_for: datetime,
    outside_reason: str,
    customer_agreed: bool,
    now: datetime,
) -> dict:
    """Refuse an appointment that does not fit unless the agent gives a reason and notes the customer
    agreed; returns what to record on the event (empty when it fits)."""
    misfits = moment_misfits(scheduled_for, team=team_hours_get(), window=request_window(contact_request), now=now)
    if Misfit.PAST in misfits:
        raise ContactRequestError({"scheduled_for": _("Choose a time in the future.")})
    if not misfits:
        return {}
    outside_reason = (outside_reason or "").strip()
    why = "; ".join(misfit_text(code) for code in misfits)
    errors = {}
    if not outside_reason:
        errors["outside_reason"] = _(
            "This time is %(why)s. Choose a proposed time, or say why this one (for example, the customer asked for it)."
        ) % {"why": why}
    elif len(outside_reason) > OUTSIDE_REASON_MAX_LENGTH:
        errors["outside_reason"] = _("Keep it under %(max)s characters.") % {"max": OUTSIDE_REASON_MAX_LENGTH}
    if not customer_agreed:
        errors["customer_agreed"] = _("This time is %(why)s: confirm that the customer agreed to it.") % {"why": why}
    if errors:
        raise ContactRequestError(errors)
    return {"misfits": list(misfits), "reason": outside_reason, "customer_agreed": True}
