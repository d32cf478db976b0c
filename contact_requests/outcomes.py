"""The rule for closing a request with an outcome: what each outcome needs, and when it may come."""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from contact_requests.actors import ContactRequestError
from contact_requests.models import ContactOutcome, ContactRequest

OUTCOME_MAX_LENGTH = 2000


def outcome_input_check(*, outcome_code: str, outcome: str) -> None:
    """The outcome is one of ContactOutcome; "reached" says what was agreed (the customer reads it)."""
    if outcome_code not in ContactOutcome.values:
        raise ContactRequestError({"outcome_code": _("Choose how the request ended.")})
    if len(outcome) > OUTCOME_MAX_LENGTH:
        raise ContactRequestError({"outcome": _("Keep it under %(max)s characters.") % {"max": OUTCOME_MAX_LENGTH}})
    if outcome_code == ContactOutcome.REACHED and not outcome:
        raise ContactRequestError({"outcome": _("Describe the outcome for the customer.")})


def outcome_timing_check(*, contact_request: ContactRequest, outcome_code: str, outcome: str, now: datetime) -> None:
    """Before its appointment a request cannot be "reached"; another outcome needs a note saying why."""
    if contact_request.scheduled_for is None or now >= contact_request.scheduled_for:
        return
    when = formats.date_format(timezone.localtime(contact_request.scheduled_for), "DATETIME_FORMAT")
    if outcome_code == ContactOutcome.REACHED:
        raise ContactRequestError(
            {
                "outcome_code": _(
                    "The appointment is on %(when)s: the customer cannot have been reached by it yet. "
                    "Wait for it, or choose another outcome and say why."
                )
                % {"when": when}
            }
        )
    if not outcome:
        raise ContactRequestError(
            {"outcome": _("The appointment is on %(when)s: to close the request before it, say why.") % {"when": when}}
        )
