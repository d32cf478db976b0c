"""Reads of human-contact requests, each in a bounded number of queries."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When

from contact_requests.models import (
    ACTIVE_STATUSES,
    UNANSWERED_STATUSES,
    ContactRequest,
    ContactRequestConversation,
    ContactRequestEvent,
    PreferredChannel,
)
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


@dataclass(frozen=True)
class QueueFilters:
    """What the staff queue shows: a status ("" = every request in progress), whose ("" = anyone's,
    "mine", "unassigned"), overdue only, a channel ("" = any)."""

    status: str = ""
    assigned: str = ""
    overdue: bool = False
    channel: str = ""


def _overdue_condition(now: datetime) -> Q:
    return Q(status__in=UNANSWERED_STATUSES, due_at__lt=now)


def _queue_base(*, status: str) -> QuerySet:
    if status:
        return ContactRequest.objects.filter(status=status)
    return ContactRequest.objects.filter(status__in=ACTIVE_STATUSES)


def contact_request_queue(*, now: datetime, user_id: int, filters: QueueFilters = QueueFilters()) -> QuerySet:
    """The staff queue: overdue first, then by due time. Page it; each page is one query."""
    queryset = (
        _queue_base(status=filters.status)
        .select_related("customer__user", "topic", "assigned_to")
        .annotate(overdue=Case(When(_overdue_condition(now), then=Value(True)), default=Value(False), output_field=BooleanField()))
    )
    if filters.assigned == "mine":
        queryset = queryset.filter(assigned_to_id=user_id)
    elif filters.assigned == "unassigned":
        queryset = queryset.filter(assigned_to__isnull=True)
    if filters.overdue:
        queryset = queryset.filter(_overdue_condition(now))
    if filters.channel:
        queryset = queryset.filter(preferred_channel=filters.channel)
    return queryset.order_by("-overdue", "due_at", "pk")


def contact_request_queue_counts(*, now: datetime, user_id: int, status: str = "") -> dict[str, int]:
    """How many requests each filter would show, among those of the status ("" = in progress): the
    total, "overdue", "mine", "unassigned" and one per channel (one query)."""
    aggregates = {
        "total": Count("pk"),
        "overdue": Count("pk", filter=_overdue_condition(now)),
        "mine": Count("pk", filter=Q(assigned_to_id=user_id)),
        "unassigned": Count("pk", filter=Q(assigned_to__isnull=True)),
    }
    for channel in PreferredChannel.values:
        aggregates[f"channel_{channel}"] = Count("pk", filter=Q(preferred_channel=channel))
    return _queue_base(status=status).aggregate(**aggregates)


def contact_request_detail(*, contact_request_id: int) -> ContactRequest | None:
    """One request with its customer, topic, assignee, chatbot conversation, events and the customer's
    contact points (three queries)."""
    return (
        ContactRequest.objects.select_related("customer__user", "topic", "assigned_to", "service_level", "conversation")
        .prefetch_related("events", "customer__contact_points")
        .filter(pk=contact_request_id)
        .first()
    )


def contact_request_steps_for_customer(*, customer: Customer, limit: int = CUSTOMER_LIST_LIMIT * 5) -> list[ContactRequestEvent]:
    """The steps of the customer's requests, newest first, with each request's topic (one query)."""
    return list(
        ContactRequestEvent.objects.filter(contact_request__customer=customer)
        .select_related("contact_request__topic")
        .order_by("-occurred_at", "-pk")[:limit]
    )


# A transcript longer than this starts folded on the request page (the summary stays in sight).
CONVERSATION_FOLD_TURNS = 6


@dataclass(frozen=True)
class ConversationReading:
    """A chatbot's conversation ready to read: its turns with their times parsed, and whether it is long."""

    conversation: ContactRequestConversation
    turns: list[dict[str, Any]]
    long: bool


def conversation_reading(*, contact_request: ContactRequest) -> ConversationReading | None:
    """The conversation handed over with the request (loaded with it by contact_request_detail), or None."""
    conversation = getattr(contact_request, "conversation", None)
    if conversation is None:
        return None
    turns = [
        {"speaker": turn.get("speaker", ""), "text": turn.get("text", ""), "time": _parsed(turn.get("time"))}
        for turn in conversation.transcript
    ]
    return ConversationReading(conversation=conversation, turns=turns, long=len(turns) > CONVERSATION_FOLD_TURNS)


def _parsed(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
