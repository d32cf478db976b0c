"""Reads for the console: finding customers by any part of a name, email, phone number or external id."""

import re

import phonenumbers
from django.db.models import Q

from preferences.domain import ContactPointKind
from preferences.models import ContactPoint, Customer

SEARCH_LIMIT = 50
# Contact points read, at most: a query as vague as "gmail" matches thousands.
CONTACT_POINT_MATCH_LIMIT = 500
MIN_PHONE_DIGITS = 4


def _phone_e164(query: str) -> str | None:
    try:
        number = phonenumbers.parse(query, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_fragments(query: str) -> list[str]:
    """What a (partial) phone number looks like in stored E.164 values: "06 12 34" → "61234" (the
    national 0 dropped), "+33 6 12" → "+33612"; the full number when the query is one."""
    if not re.fullmatch(r"[+\d\s().-]+", query):
        return []
    digits = re.sub(r"\D", "", query)
    if len(digits) < MIN_PHONE_DIGITS:
        return []
    fragments = {"+" + digits if query.lstrip().startswith("+") else digits.lstrip("0") or digits}
    full = _phone_e164(query)
    if full:
        fragments.add(full)
    return sorted(fragments)


def customer_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers (not erased) whose first or last name holds every word of the query, or whose external
    id, email address or phone number holds the query, case-insensitively (three queries).

    Every condition is a `UPPER(col) LIKE '%…%'`, which PostgreSQL answers from the trigram indexes of
    preferences migration 0007; the contact points are read first (their own index), so that the
    customer query is an OR of indexable conditions."""
    query = " ".join((query or "").split())
    if len(query) < 2:
        return []
    # Only the value in SQL (the trigram index answers it); the kind is checked here, so that the
    # planner is never tempted by the index on the kind, which selects half the table.
    fragments = _phone_fragments(query)
    points = Q(value__icontains=query)
    for fragment in fragments:
        points |= Q(value__icontains=fragment)
    rows = ContactPoint.objects.filter(points).order_by().values_list("customer_id", "kind", "value")
    needle = query.lower()
    customer_ids = {
        customer_id
        for customer_id, kind, value in rows[:CONTACT_POINT_MATCH_LIMIT]
        if (kind == ContactPointKind.EMAIL and needle in value.lower())
        or (kind == ContactPointKind.PHONE and any(fragment in value for fragment in fragments))
    }
    name = Q()
    for word in query.split(" "):
        name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    condition = name | Q(external_id__icontains=query) | Q(pk__in=customer_ids)
    return list(
        Customer.objects.filter(condition, erased_at__isnull=True)
        .select_related("user")
        .prefetch_related("contact_points")
        .order_by("last_name", "first_name", "pk")[:limit]
    )
