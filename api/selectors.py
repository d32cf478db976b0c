"""Reads for the API: whole batches in a fixed number of queries, whatever their size."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

from api.models import ApiClient, ApiKey, Send
from common.db import is_postgresql
from common.memo import RecentValues
from preferences.catalog import catalog_get
from preferences.documents_pg import ColumnBeside
from preferences.domain import TopicKind
from preferences.models import ContactPoint, Customer

# A key and its client are read on every request, so they are cached. Any save or deletion of either
# clears the entry at once (api.signals); with a cache shared by every process (CACHE_URL) that holds
# everywhere, and with per-process memory other processes follow within this time.
API_KEY_CACHE_SECONDS = 30


def api_key_cache_key(prefix: str) -> str:
    return f"api:key:{prefix}"


# And this process remembers it for a second: revocations reach other processes within that time.
API_KEY_RECENT = RecentValues(seconds=1.0)


def api_key_get(*, prefix: str) -> ApiKey | None:
    """The key with this prefix, with its client; no query while it is cached."""
    api_key = API_KEY_RECENT.get(prefix)
    if api_key is not None:
        return api_key
    api_key = cache.get(api_key_cache_key(prefix))
    if api_key is None:
        api_key = ApiKey.objects.select_related("client").filter(prefix=prefix).first()
        if api_key is not None:  # unknown prefixes are not cached: anybody can send those
            cache.set(api_key_cache_key(prefix), api_key, API_KEY_CACHE_SECONDS)
    if api_key is not None:
        API_KEY_RECENT.set(prefix, api_key)
    return api_key


def customers_active() -> QuerySet[Customer]:
    """Customers an API client may reach: every customer whose data has not been erased."""
    return Customer.objects.filter(erased_at__isnull=True)


def customer_ids_find(
    *,
    after: int,
    limit: int,
    external_id: str | None = None,
    addresses: list[tuple[str, str]] = (),
    updated_after: datetime | None = None,
) -> list[int]:
    """Ids of active customers above `after`, in order, that match every filter given (one query; each
    filter has its index: external_id unique, contact points by kind and value, customers by updated_at)."""
    customers = customers_active().filter(pk__gt=after)
    if external_id is not None:
        customers = customers.filter(external_id=external_id)
    for kind, value in addresses:
        customers = customers.filter(pk__in=ContactPoint.objects.filter(kind=kind, value=value).values("customer_id"))
    if updated_after is not None:
        customers = customers.filter(updated_at__gt=updated_after)
    return list(customers.order_by("pk").values_list("pk", flat=True)[:limit])


def marketing_sends_get(
    *, customer_ids: list[int], at: datetime, using: str = DEFAULT_DB_ALIAS
) -> dict[int, list[datetime]]:
    """When marketing messages were reported sent to these customers in the week before `at` (one query,
    on the database `using`: an audience chunk's read replica, common.replica)."""
    sent: dict[int, list[datetime]] = defaultdict(list)
    marketing = [topic.pk for topic in catalog_get().topics if topic.kind == TopicKind.MARKETING]
    week = (at - timedelta(days=7), at)
    if is_postgresql():
        # Every contact plan asks this: building the ORM query cost more than running it (profiled).
        with connections[using].cursor() as cursor:
            cursor.execute(_MARKETING_SENDS_SQL, [list(customer_ids), marketing, *week])
            rows = cursor.fetchall()
    else:
        rows = Send.objects.using(using).filter(
            customer_id__in=customer_ids, topic_id__in=marketing, sent_at__gt=week[0], sent_at__lte=week[1]
        ).values_list("customer_id", "sent_at")
    for customer_id, sent_at in rows:
        sent[customer_id].append(sent_at)
    return sent


def marketing_sends_column(*, at: datetime) -> ColumnBeside:
    """marketing_sends_get's answer read beside each customer's document, in the documents' own statement
    (PostgreSQL; preferences.plans): that customer's sends of the week as an array of times, null for none."""
    return ColumnBeside(_MARKETING_SENDS_COLUMN, (_marketing_topic_ids(), at - timedelta(days=7), at))


def _marketing_topic_ids() -> list[int]:
    return [topic.pk for topic in catalog_get().topics if topic.kind == TopicKind.MARKETING]


_MARKETING_SENDS_SQL = (
    "SELECT customer_id, sent_at FROM api_send "
    "WHERE customer_id = ANY(%s) AND topic_id = ANY(%s) AND sent_at > %s AND sent_at <= %s"
)
# The same sends of one customer, the row `c` of the documents' statement (send_customer_sent_idx finds them).
_MARKETING_SENDS_COLUMN = (
    "SELECT array_agg(sent_at) FROM api_send WHERE customer_id = c.id AND topic_id = ANY(%s) AND sent_at > %s "
    "AND sent_at <= %s"
)


def send_get_for_client(*, client: ApiClient, send_id: int) -> Send | None:
    """A reported send, only for the client that reported it."""
    if send_id > 2**63 - 1:
        return None
    return Send.objects.filter(
        pk=send_id,
        client=client,
    ).select_related("customer", "topic").first()


def sends_export_rows(*, customer_id: int) -> list[dict[str, Any]]:
    """The sends other systems reported for a customer, as rows of their data export (one query)."""
    sends = Send.objects.filter(customer_id=customer_id).select_related("topic", "client").order_by("sent_at", "pk")
    return [
        {
            "id": send.pk,
            "sent_at": send.sent_at,
            "topic": send.topic.code,
            "channel": send.channel,
            "ai_generated": send.ai_generated,
            "reported_by": send.client.name,
            "message_id": send.message_id,
        }
        for send in sends
    ]
