"""Reads for the console: finding customers."""

import phonenumbers
from django.db.models import Exists, OuterRef, Q

from preferences.domain import ContactPointKind
from preferences.models import ContactPoint, Customer

SEARCH_LIMIT = 50


def _phone_e164(query: str) -> str | None:
    try:
        number = phonenumbers.parse(query, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def customer_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers whose name, email, phone number or external id matches (two queries)."""
    query = " ".join((query or "").split())
    if len(query) < 2:
        return []
    condition = Q(external_id__iexact=query)
    if "@" in query:
        emails = ContactPoint.objects.filter(
            customer=OuterRef("pk"), kind=ContactPointKind.EMAIL, value__istartswith=query.lower()
        )
        condition |= Q(Exists(emails)) | Q(user__email__iexact=query)
    phone = _phone_e164(query)
    if phone:
        phones = ContactPoint.objects.filter(customer=OuterRef("pk"), kind=ContactPointKind.PHONE, value=phone)
        condition |= Q(Exists(phones))
    name = Q()
    for word in query.split(" "):
        name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    condition |= name
    return list(
        Customer.objects.filter(condition, erased_at__isnull=True)
        .select_related("user")
        .prefetch_related("contact_points")
        .order_by("last_name", "first_name", "pk")[:limit]
    )
