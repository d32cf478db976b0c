"""Reads of human-contact requests, each in a bounded number of queries."""

from datetime import datetime

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from contact_requests.models import ACTIVE_STATUSES, UNANSWERED_STATUSES, ContactRequest
from preferences.models import ContactPoint, Customer

CUSTOMER_LIST_LIMIT = 100


def contact_requests_for_customer(*, customer: Customer) -> list[ContactRequest]:
    """A customer's requests, newest first (one query)."""
    return list(ContactRequest.objects.filter(customer=customer).select_related("topic")[:CUSTOMER_LIST_LIMIT])


def customer_contact_points(*, customer: Customer) -> list[ContactPoint]:
    """The customer's contact points, to tell which request channels can reach them (one query)."""
    return list(ContactPoint.objects.filter(customer=customer))


def contact_requests_open_for_customer(*, customer: Customer) -> list[ContactRequest]:
    """The requests still in progress, for the overview page (one query)."""
    return list(
        ContactRequest.objects.filter(customer=customer, status__in=ACTIVE_STATUSES)
        .select_related("topic")
        .order_by("due_at")
    )


def contact_request_queue(*, now: datetime, status: str = "", assigned_to_id: int | None = None) -> QuerySet:
    """The staff queue: overdue first, then by due time. Page it; each page is one query."""
    queryset = ContactRequest.objects.select_related("customer__user", "topic", "assigned_to").annotate(
        overdue=Case(
            When(Q(status__in=UNANSWERED_STATUSES, due_at__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if status:
        queryset = queryset.filter(status=status)
    if assigned_to_id is not None:
        queryset = queryset.filter(assigned_to_id=assigned_to_id)
    return queryset.order_by("-overdue", "due_at", "pk")


def contact_request_detail(*, contact_request_id: int) -> ContactRequest | None:
    """One request with its customer, topic, assignee, events and the customer's contact points (three
    queries)."""
    return (
        ContactRequest.objects.select_related("customer__user", "topic", "assigned_to", "service_level")
        .prefetch_related("events", "customer__contact_points")
        .filter(pk=contact_request_id)
        .first()
    )
