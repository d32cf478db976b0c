"""Reads for the API: whole batches in a fixed number of queries, whatever their size."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import QuerySet

from api.models import ApiClient, Send
from preferences.domain import TopicKind
from preferences.models import ConsentEvent, ContactPoint, Customer, Subscription
from preferences.selectors import PreferenceDocument, catalog_get


def customers_active() -> QuerySet[Customer]:
    """Customers an API client may reach: every customer whose data has not been erased."""
    return Customer.objects.filter(erased_at__isnull=True)


def preference_documents_get(*, customers: list[Customer]) -> dict[int, PreferenceDocument]:
    """The documents of already loaded customers in two more queries (subscriptions, contact points)."""
    ids = [customer.pk for customer in customers]
    subscriptions: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    rows = Subscription.objects.filter(customer_id__in=ids).values_list("customer_id", "topic__code", "channel", "status")
    for customer_id, topic_code, channel, status in rows:
        subscriptions[customer_id][(topic_code, channel)] = status
    contact_points: dict[int, list[ContactPoint]] = defaultdict(list)
    for point in ContactPoint.objects.filter(customer_id__in=ids):
        contact_points[point.customer_id].append(point)
    catalog = catalog_get()
    return {
        customer.pk: PreferenceDocument(
            customer=customer,
            contact_points=contact_points[customer.pk],
            subscriptions=subscriptions[customer.pk],
            catalog=catalog,
        )
        for customer in customers
    }


def marketing_sends_get(*, customer_ids: list[int], at: datetime) -> dict[int, list[datetime]]:
    """When marketing messages were reported sent to these customers in the week before `at` (one query)."""
    sent: dict[int, list[datetime]] = defaultdict(list)
    rows = Send.objects.filter(
        customer_id__in=customer_ids,
        topic__kind=TopicKind.MARKETING,
        sent_at__gt=at - timedelta(days=7),
        sent_at__lte=at,
    ).values_list("customer_id", "sent_at")
    for customer_id, sent_at in rows:
        sent[customer_id].append(sent_at)
    return sent


def send_get_for_client(*, client: ApiClient, send_id: int) -> Send | None:
    """A reported send, only for the client that reported it."""
    if send_id > 2**63 - 1:
        return None
    return Send.objects.filter(
        pk=send_id,
        client=client,
    ).first()


def consent_events_after(*, after: int, limit: int) -> list[ConsentEvent]:
    """Ledger events after a cursor, in order, with one more than asked to tell whether more follow."""
    return list(ConsentEvent.objects.filter(id__gt=after).select_related("customer").order_by("id")[: limit + 1])
