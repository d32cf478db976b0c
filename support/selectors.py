"""Reads for the console: finding customers by any part of a name, email, phone number or external id."""

import re

import phonenumbers
from django.db.models import Q

from preferences.contact_points import phone_parse
from preferences.domain import ContactPointKind
from preferences.models import ContactPoint, Customer

SEARCH_LIMIT = 50
# Customers read at most before sorting them by name (see customer_search).
MATCH_CAP = 500
TRIGRAM = 3  # the shortest part of a name a trigram index can look up
# Contact points read, at most: a query as vague as "gmail" matches thousands.
CONTACT_POINT_MATCH_LIMIT = 500
MIN_PHONE_DIGITS = 4


def _phone_e164(query: str) -> str | None:
    number = phone_parse(query)
    return None if number is None else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
    id, email address or phone number holds the query, case-insensitively, sorted by name (four queries).

    Every condition is a `UPPER(col) LIKE '%…%'` that PostgreSQL answers from the trigram indexes of
    preferences migration 0007: the contact points are read first (their own index), so that the
    customer query is an OR of indexable conditions. A trigram index cannot answer a word shorter than
    three characters, which would make PostgreSQL read every customer: such words are checked here
    among the customers the longer words found, or matched as a whole name when the query has only
    short words ("Li"); a query without letters ("06 12 34") is not looked for in names at all.

    At most MATCH_CAP customers are read before they are sorted: a part as common as "mart" matches
    one customer in twenty, and sorting all of them by name costs more than the agent's patience at a
    million customers (the bench's `search_p95_ms`). Ask for `limit + 1` to know that there are more."""
    query = " ".join((query or "").split())
    if len(query) < 2:
        return []
    customer_ids = _contact_point_matches(query)
    words = query.split(" ") if any(character.isalpha() for character in query) else []
    long_words = [word for word in words if len(word) >= TRIGRAM]
    short_words = [word.upper() for word in words if len(word) < TRIGRAM] if long_words else []
    condition = Q(external_id__icontains=query) | Q(pk__in=customer_ids)
    if words:
        name = Q()
        for word in long_words:
            name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        for word in [] if long_words else words:
            name &= Q(first_name__iexact=word) | Q(last_name__iexact=word)
        condition |= name
    rows = (
        Customer.objects.filter(condition, erased_at__isnull=True)
        .order_by()
        .values_list("pk", "first_name", "last_name", "external_id")[:MATCH_CAP]
    )
    needle = query.upper()
    found = [
        customer_id
        for customer_id, first_name, last_name, external_id in rows
        if not short_words
        or customer_id in customer_ids
        or needle in external_id.upper()
        or all(word in first_name.upper() or word in last_name.upper() for word in short_words)
    ]
    return list(
        Customer.objects.filter(pk__in=found)
        .select_related("user")
        .prefetch_related("contact_points")
        .order_by("last_name", "first_name", "pk")[:limit]
    )


def _contact_point_matches(query: str) -> set[int]:
    """Customers with an email address or a phone number that holds the query (one query)."""
    # Only the value in SQL (the trigram index answers it); the kind is checked here, so that the
    # planner is never tempted by the index on the kind, which selects half the table.
    fragments = _phone_fragments(query)
    points = Q(value__icontains=query)
    for fragment in fragments:
        points |= Q(value__icontains=fragment)
    rows = ContactPoint.objects.filter(points).order_by().values_list("customer_id", "kind", "value")
    needle = query.lower()
    return {
        customer_id
        for customer_id, kind, value in rows[:CONTACT_POINT_MATCH_LIMIT]
        if (kind == ContactPointKind.EMAIL and needle in value.lower())
        or (kind == ContactPointKind.PHONE and any(fragment in value for fragment in fragments))
    }
