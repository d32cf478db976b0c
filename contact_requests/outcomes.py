"""The rule for closing a request with an outcome: what each outcome needs, and when it may come.

Before its appointment a request closes only with an outcome that says why: the customer cancelled
(no note needed), or they were reached earlier (what was agreed, as for "reached"). "Reached" cannot
come before the appointment, and "not reached" only with a note saying why it closes so early."""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from contact_requests.actors import ContactRequestError
from contact_requests.models import ContactOutcome, ContactRequest

OUTCOME_MAX_LENGTH = 2000
# Outcomes that explain by themselves why a request closes before its appointment.
EARLY_OUTCOMES = frozenset({ContactOutcome.CUSTOMER_CANCELLED, ContactOutcome.REACHED_EARLIER})


def outcome_input_check(*, outcome_code: str, outcome: str) -> None:
    """The outcome is one of ContactOutcome; "reached" says what was agreed (the customer reads it)."""
    if outcome_code not in ContactOutcome.values:
        raise ContactRequestError({"outcome_code": _("Choose how the request ended.")})
    if len(outcome) > OUTCOME_MAX_LENGTH:
        raise ContactRequestError({"outcome": _("Keep it under %(max)s characters.") % {"max": OUTCOME_MAX_LENGTH}})
    if outcome_code in (ContactOutcome.REACHED, ContactOutcome.REACHED_EARLIER) and not outcome:
        raise ContactRequestError({"outcome": _("Describe the outcome for the customer.")})


def outcome_timing_check(*, contact_request: ContactRequest, outcome_code: str, outcome: str, now: datetime) -> None:
    """Before its appointment: "reached" is refused, "not reached" needs a note saying why; "customer
    cancelled" and "reached earlier" say why themselves. After it, "reached earlier" is just "reached"."""
    if contact_request.scheduled_for is None or now >= contact_request.scheduled_for:
        if outcome_code == ContactOutcome.REACHED_EARLIER:
            raise ContactRequestError(
                {
                    "outcome_code": _("There is no appointment still to come: choose “%(reached)s”.")
                    % {"reached": ContactOutcome.REACHED.label}
                }
            )
        return
    if outcome_code in EARLY_OUTCOMES:
        return
    when = formats.date_format(timezone.localtime(contact_request.scheduled_for), "DATETIME_FORMAT")
    if outcome_code == ContactOutcome.REACHED:
        raise ContactRequestError(
            {
                "outcome_code": _(
                    "The appointment is on %(when)s: if you reached the customer before it, choose “%(earlier)s”."
                )
                % {"when": when, "earlier": ContactOutcome.REACHED_EARLIER.label}
            }
        )
    if not outcome:
        raise ContactRequestError(
            {"outcome": _("The appointment is on %(when)s: to close the request before it, say why.") % {"when": when}}
        )
