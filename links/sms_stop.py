"""Inbound SMS "STOP": the customer replies STOP to a marketing SMS and is opted out of marketing SMS."""

import unicodedata

from preferences.catalog import catalog_get
from preferences.changes import marketing_opt_outs, preferences_change
from preferences.contact_points import contact_point_value_clean
from preferences.domain import ChannelCode, ContactPointKind
from preferences.ledger import ChangeContext
from preferences.models import ContactPoint
from preferences.state import PreferenceError

# Compared after trimming, collapsing spaces and upper-casing; "ARRÊT" is also written without its accent.
STOP_KEYWORDS = frozenset({"STOP", "STOP SMS", "STOPSMS", "ARRET", "ARRÊT"})


def sms_is_stop(text: str) -> bool:
    normalised = " ".join(unicodedata.normalize("NFC", text or "").split()).upper()
    return normalised in STOP_KEYWORDS


def sms_number_clean(number: str) -> str:
    """The E.164 form of a sender's number; raises PreferenceError when it is not a phone number."""
    return contact_point_value_clean(kind=ContactPointKind.PHONE, value=number)[0]


def sms_stop_apply(*, number: str, context: ChangeContext) -> int:
    """Opt the number out of every marketing topic on SMS, for every customer who verified it.

    One consent event per subscription that changes (actor `sms_stop`, source `sms_stop`). Returns the
    number of customers concerned. A repeated STOP changes nothing.
    """
    customer_ids = list(
        ContactPoint.objects.filter(
            kind=ContactPointKind.PHONE,
            value=number,
            verified_at__isnull=False,
            customer__erased_at__isnull=True,
        )
        .values_list("customer_id", flat=True)
        .distinct()
    )
    changes = marketing_opt_outs(catalog_get(), channel=ChannelCode.SMS)
    if not changes:
        return 0
    for customer_id in customer_ids:
        try:
            preferences_change(customer_id=customer_id, changes=changes, context=context)
        except PreferenceError:  # erased between the query and the change: nothing to opt out
            continue
    return len(customer_ids)
