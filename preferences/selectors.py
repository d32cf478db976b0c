"""Reads. Each selector owns its queries and returns what the caller needs in a bounded number."""

from django.db.models import F, QuerySet

from preferences.document import PreferenceDocument
from preferences.documents_pg import preference_document_build
from preferences.domain import ContactPointKind
from preferences.models import ConsentEvent, ContactPoint, Customer, Notice


def preference_document_get(*, customer_id: int) -> PreferenceDocument:
    """A customer's whole preference document in three queries (the catalogue is cached)."""
    customer = Customer.objects.select_related("user").get(pk=customer_id)
    return preference_document_build(customer)


def customer_get_for_user(*, user) -> Customer | None:
    """The customer record of a signed-in person, or None (staff have none)."""
    if not user.is_authenticated:
        return None
    return Customer.objects.filter(user=user, erased_at__isnull=True).first()


def consent_events_for_customer(*, customer_id: int, changes_only: bool = False) -> QuerySet[ConsentEvent]:
    """The customer's ledger, newest first. `changes_only` leaves out the events that hold no value before
    nor after: the creation records every setting, those it leaves unset too (the ledger rebuilds the
    whole state), which are not changes to show the customer."""
    events = ConsentEvent.objects.filter(customer_id=customer_id)
    if changes_only:
        events = events.exclude(old_value__isnull=True, new_value__isnull=True)
    return events.order_by("-id")


def notice_current(*, kind: str) -> Notice | None:
    return Notice.objects.filter(kind=kind).order_by("-version").first()


def customer_email_address(customer: Customer) -> str:
    """Where to write to a customer (an acknowledgement, a notice of a change made for them): the
    email address they verified first, else their sign-in address; "" when they have neither. Not the
    double opt-in's choice (preferences.optin), which reads the loaded document and may pick SMS."""
    address = (
        ContactPoint.objects.filter(customer=customer, kind=ContactPointKind.EMAIL, verified_at__isnull=False)
        .order_by(F("verified_at").asc(), "pk")
        .values_list("value", flat=True)
        .first()
    )
    if address:
        return address
    if customer.user_id:
        return customer.user.email
    return ""
