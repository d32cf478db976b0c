"""Reads. Each selector owns its queries and returns what the caller needs in a bounded number."""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.db.models.base import ModelState

from common.db import is_postgresql
from common.memo import RecentValues, memo_register, shared_forget
from preferences.domain import (
    CHANNEL_CONTACT_POINT,
    DEFAULT_CHANNEL_RANKING,
    MOBILE_ONLY_CHANNELS,
    ContactPointKind,
    PhoneType,
    SubscriptionStatus,
    TopicKind,
)
from preferences.models import Channel, ConsentEvent, ContactPoint, Customer, Notice, Subscription, Topic
from preferences.state import CUSTOMER_FIELDS, time_to_state

CATALOG_STAMP_KEY = "preferences:catalog-stamp:v1"
# Other processes see a supervisor's edit within this time even without a shared cache.
CATALOG_CACHE_SECONDS = 30


@dataclass(frozen=True)
class Catalog:
    """Channels and topics: configuration, small and read on every request, so cached."""

    channels: list[Channel]
    topics: list[Topic]

    @property
    def channels_by_code(self) -> dict[str, Channel]:
        return {channel.code: channel for channel in self.channels}

    @property
    def topics_by_code(self) -> dict[str, Topic]:
        return {topic.code: topic for topic in self.topics}


# The stamp as this process read it in the last second (an edit reaches other processes within that time).
_CATALOG_STAMP_RECENT = RecentValues(seconds=1.0)
# This process's catalogue and the stamp it was loaded under. The shared cache holds only the stamp:
# unpickling channels and topics on every request cost more than the rest of a read.
_catalog_loaded: tuple[str, Catalog] | None = None


def catalog_get() -> Catalog:
    """The catalogue, loaded again (two queries) when its stamp in the cache changes: after an edit
    (catalog_invalidate) or every CATALOG_CACHE_SECONDS."""
    global _catalog_loaded
    stamp = _CATALOG_STAMP_RECENT.get(CATALOG_STAMP_KEY)
    if stamp is None:
        stamp = cache.get(CATALOG_STAMP_KEY)
        if stamp is not None:
            _CATALOG_STAMP_RECENT.set(CATALOG_STAMP_KEY, stamp)
    if stamp is not None and _catalog_loaded is not None and _catalog_loaded[0] == stamp:
        return _catalog_loaded[1]
    catalog = Catalog(channels=list(Channel.objects.all()), topics=list(Topic.objects.all()))
    if stamp is None:
        stamp = uuid.uuid4().hex
        if not cache.add(CATALOG_STAMP_KEY, stamp, CATALOG_CACHE_SECONDS):
            stamp = cache.get(CATALOG_STAMP_KEY) or stamp  # another process stamped it first
    _catalog_loaded = (stamp, catalog)
    _CATALOG_STAMP_RECENT.set(CATALOG_STAMP_KEY, stamp)
    return catalog


def catalog_invalidate() -> None:
    """Every process loads the catalogue again (this one at once, the others within a second)."""
    _CATALOG_STAMP_RECENT.clear()
    shared_forget(CATALOG_STAMP_KEY)


def _catalog_loaded_forget() -> None:
    global _catalog_loaded
    _catalog_loaded = None


memo_register(_catalog_loaded_forget)


@dataclass
class PreferenceDocument:
    """Everything a customer chose, with the catalogue needed to read it."""

    customer: Customer
    contact_points: list[ContactPoint]
    subscriptions: dict[tuple[str, str], str]
    catalog: Catalog
    _usable: set[str] | None = field(default=None, repr=False)

    # --- Effective values (stored choice, or the default).
    def subscription_status(self, topic: Topic, channel: str) -> str:
        stored = self.subscriptions.get((topic.code, channel))
        if stored is not None:
            return stored
        if self.customer.marketing_objection and topic.kind == TopicKind.MARKETING:
            return SubscriptionStatus.OUT
        return SubscriptionStatus.IN if channel in topic.default_channels else SubscriptionStatus.OUT

    def topic_setting(self, topic: Topic, name: str) -> Any:
        stored = (self.customer.topic_settings or {}).get(topic.code, {}).get(name)
        if stored is not None:
            return stored
        if name == "ai_level":
            return self.customer.ai_default
        if name == "delivery_mode":
            return "first" if topic.has_delivery_mode else None
        if name == "paper_copy":
            return False
        return None

    def ranking(self) -> list[str]:
        stored = [code for code in (self.customer.channel_ranking or []) if code in DEFAULT_CHANNEL_RANKING]
        return stored + [code for code in DEFAULT_CHANNEL_RANKING if code not in stored]

    def usable_channels(self) -> set[str]:
        """Channels the customer can be reached on: each needs a usable contact point."""
        if self._usable is None:
            usable: set[str] = set()
            for channel, kind in CHANNEL_CONTACT_POINT.items():
                for point in self.contact_points:
                    if point.kind != kind or not point.is_usable:
                        continue
                    if channel in MOBILE_ONLY_CHANNELS and point.phone_type != PhoneType.MOBILE:
                        continue
                    usable.add(channel)
            self._usable = usable
        return self._usable

    def contact_point_for(self, channel: str) -> ContactPoint | None:
        kind = CHANNEL_CONTACT_POINT[channel]
        for point in self.contact_points:
            if point.kind == kind and point.is_usable:
                if channel in MOBILE_ONLY_CHANNELS and point.phone_type != PhoneType.MOBILE:
                    continue
                return point
        return None

    # --- The flat stored state (see preferences.state).
    def state(self) -> dict[str, Any]:
        customer = self.customer
        state: dict[str, Any] = {}
        for name in CUSTOMER_FIELDS:
            value = getattr(customer, name)
            if name in ("quiet_hours_start", "quiet_hours_end"):
                value = time_to_state(value)
            state[f"customer.{name}"] = value
        for topic_code, settings in (customer.topic_settings or {}).items():
            for name, value in settings.items():
                if value is not None:
                    state[f"topic.{topic_code}.{name}"] = value
        for (topic_code, channel), status in self.subscriptions.items():
            state[f"subscription.{topic_code}.{channel}"] = status
        for point in self.contact_points:
            state[f"contact_point.{point.pk}"] = contact_point_state(point)
        return state


def contact_point_state(point: ContactPoint) -> dict[str, Any]:
    return {
        "kind": point.kind,
        "value": point.value,
        "phone_type": point.phone_type,
        "verified": point.verified_at is not None,
    }


def preference_document_build(customer: Customer) -> PreferenceDocument:
    """The document of an already loaded customer: one more query on PostgreSQL, two elsewhere."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(_RELATIONS_SQL, [customer.pk])
            subscriptions_json, points_json = cursor.fetchone()
        return _document_from_json(customer, subscriptions_json, points_json, catalog_get(), cursor.db.alias)
    return _documents_build([customer])[0]


def preference_documents_active(
    *, ids: Sequence[int] = (), external_ids: Sequence[str] = ()
) -> list[PreferenceDocument]:
    """The documents of the customers with these ids or external ids whose data is not erased, in no
    particular order. The hot path of the API (reads, contact plans): one query on PostgreSQL, each
    customer row with its subscriptions and contact points aggregated as JSON beside it; three elsewhere.
    """
    if not is_postgresql():
        customers = Customer.objects.filter(erased_at__isnull=True)
        customers = customers.filter(pk__in=ids) if ids else customers.filter(external_id__in=external_ids)
        return _documents_build(list(customers))
    if len(ids) == 1:  # the single read: `=` plans faster than `= ANY(array)`
        sql, param = _DOCUMENT_BY_ID_SQL, ids[0]
    else:
        sql, param = (_DOCUMENTS_BY_ID_SQL, list(ids)) if ids else (_DOCUMENTS_BY_EXTERNAL_ID_SQL, list(external_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        rows = cursor.fetchall()
        db = cursor.db  # the connection itself: `connection` is a proxy, costly in a loop of 1,000
    catalog = catalog_get()
    width = len(_CUSTOMER_FIELDS)
    return [_document_from_json(_customer_from_row(row[:width], db), *row[width:], catalog, db.alias) for row in rows]


def preference_document_lock(*, customer_id: int) -> PreferenceDocument:
    """A customer's document with the customer row locked (SELECT … FOR UPDATE) until the end of the
    transaction, for a change: two queries on PostgreSQL, three elsewhere. Raises Customer.DoesNotExist.
    Erased customers are returned too: the caller says what that means."""
    if not is_postgresql():
        customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer_id)
        return preference_document_build(customer)
    # The lock, then the relations in a statement of their own: a statement that waited for the lock
    # sees the locked row as committed by the other change, but subqueries in it would still read the
    # subscriptions as they were when it started (READ COMMITTED takes one snapshot per statement).
    with connection.cursor() as cursor:
        cursor.execute(_CUSTOMER_LOCK_SQL, [customer_id])
        row = cursor.fetchone()
        db = cursor.db
    if row is None:
        raise Customer.DoesNotExist(f"No customer {customer_id}.")
    return preference_document_build(_customer_from_row(row, db))


def _documents_build(customers: list[Customer]) -> list[PreferenceDocument]:
    ids = [customer.pk for customer in customers]
    subscriptions: dict[int, dict[tuple[str, str], str]] = {customer_id: {} for customer_id in ids}
    rows = Subscription.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "topic__code", "channel", "status"
    )
    for customer_id, topic_code, channel, status in rows:
        subscriptions[customer_id][(topic_code, channel)] = status
    contact_points: dict[int, list[ContactPoint]] = {customer_id: [] for customer_id in ids}
    for point in ContactPoint.objects.filter(customer_id__in=ids):
        contact_points[point.customer_id].append(point)
    catalog = catalog_get()
    return [
        PreferenceDocument(
            customer=customer,
            contact_points=contact_points[customer.pk],
            subscriptions=subscriptions[customer.pk],
            catalog=catalog,
        )
        for customer in customers
    ]


# The one-query document on PostgreSQL. Contact points come in ContactPoint.Meta.ordering, as the ORM
# gives them, since the first usable one of a kind is the one a plan names.
_CUSTOMERS = Customer._meta.db_table  # preferences_customer
_CUSTOMER_FIELDS = Customer._meta.concrete_fields
_POINT_FIELDS = ("id", "customer_id", "kind", "value", "phone_type", "verified_at", "created_at")
# Built once from constants and the model's own column names (no input): S608 does not apply.
_SUBSCRIPTIONS_JSON = (
    "(SELECT coalesce(json_agg(json_build_array(t.code, s.channel, s.status)), '[]')::text "
    "FROM preferences_subscription s JOIN preferences_topic t ON t.id = s.topic_id WHERE s.customer_id = c.id)"
)
_CONTACT_POINTS_JSON = (
    "(SELECT coalesce(json_agg(json_build_array(p.id, p.customer_id, p.kind, p.value, p.phone_type, p.verified_at, "
    "p.created_at) ORDER BY p.kind, p.created_at, p.id), '[]')::text FROM preferences_contactpoint p "
    "WHERE p.customer_id = c.id)"
)
_RELATIONS_SQL = f"SELECT {_SUBSCRIPTIONS_JSON}, {_CONTACT_POINTS_JSON} FROM {_CUSTOMERS} c WHERE c.id = %s"  # noqa: S608  # nosec B608
_CUSTOMER_COLUMNS = ", ".join(f"c.{f.column}" for f in _CUSTOMER_FIELDS)
_CUSTOMER_LOCK_SQL = f"SELECT {_CUSTOMER_COLUMNS} FROM {_CUSTOMERS} c WHERE c.id = %s FOR UPDATE"  # noqa: S608  # nosec B608
_DOCUMENTS_SQL = (
    f"SELECT {_CUSTOMER_COLUMNS}, {_SUBSCRIPTIONS_JSON}, {_CONTACT_POINTS_JSON} "  # noqa: S608  # nosec B608
    f"FROM {_CUSTOMERS} c WHERE c.erased_at IS NULL AND "
)
_DOCUMENT_BY_ID_SQL = _DOCUMENTS_SQL + "c.id = %s"
_DOCUMENTS_BY_ID_SQL = _DOCUMENTS_SQL + "c.id = ANY(%s)"
_DOCUMENTS_BY_EXTERNAL_ID_SQL = _DOCUMENTS_SQL + "c.external_id = ANY(%s)"


def _customer_from_row(values: tuple, db) -> Customer:
    """A Customer as the ORM would build it from the same columns (with each field's converters)."""
    global _customer_converters
    if _customer_converters is None:  # the fields that have any (JSON), found once
        _customer_converters = [
            (index, converters, model_field.get_col(_CUSTOMERS))
            for index, model_field in enumerate(_CUSTOMER_FIELDS)
            if (converters := model_field.get_db_converters(db))
        ]
    converted = list(values)
    for index, converters, column in _customer_converters:
        for converter in converters:
            converted[index] = converter(converted[index], column, db)
    return _loaded(Customer, _CUSTOMER_ATTNAMES, converted, db.alias)


def _loaded(model, attnames, values, alias: str):
    """An instance as Model.from_db makes it from every concrete field, without running __init__ (its
    foreign-key descriptors made up most of the time of building 1,000 documents). These models have
    no pre_init or post_init receivers, so nothing else differs."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, alias
    return instance


_customer_converters: list[tuple[int, list, Any]] | None = None
_CUSTOMER_ATTNAMES = [f.attname for f in _CUSTOMER_FIELDS]


def _document_from_json(
    customer: Customer, subscriptions_json: str, points_json: str, catalog: Catalog, alias: str
) -> PreferenceDocument:
    subscriptions = {(topic_code, channel): status for topic_code, channel, status in json.loads(subscriptions_json)}
    contact_points = []
    for point_id, customer_id, kind, value, phone_type, verified_at, created_at in json.loads(points_json):
        contact_points.append(
            _loaded(
                ContactPoint,
                _POINT_FIELDS,
                (
                    point_id,
                    customer_id,
                    kind,
                    value,
                    phone_type,
                    datetime.fromisoformat(verified_at) if verified_at else None,
                    datetime.fromisoformat(created_at),
                ),
                alias,
            )
        )
    return PreferenceDocument(
        customer=customer, contact_points=contact_points, subscriptions=subscriptions, catalog=catalog
    )


def preference_document_get(*, customer_id: int) -> PreferenceDocument:
    """A customer's whole preference document in three queries (the catalogue is cached)."""
    customer = Customer.objects.select_related("user").get(pk=customer_id)
    return preference_document_build(customer)


def customer_get_for_user(*, user) -> Customer | None:
    """The customer record of a signed-in person, or None (staff have none)."""
    if not user.is_authenticated:
        return None
    return Customer.objects.filter(user=user, erased_at__isnull=True).first()


def consent_events_for_customer(*, customer_id: int) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(customer_id=customer_id).order_by("-id")


NOTICE_VERSIONS_CACHE_KEY = "preferences:notice-versions:v1"


def notice_versions_current() -> dict[str, int | None]:
    """The version in force of each notice, recorded with every consent event. Cached like the
    catalogue; publishing a version clears it (preferences.services_notices)."""
    versions = cache.get(NOTICE_VERSIONS_CACHE_KEY)
    if versions is None:
        versions = {kind: None for kind in Notice.Kind.values}
        for kind, version in Notice.objects.order_by("kind", "-version").values_list("kind", "version"):
            if versions.get(kind) is None:
                versions[kind] = version
        cache.set(NOTICE_VERSIONS_CACHE_KEY, versions, CATALOG_CACHE_SECONDS)
    return versions


def notice_versions_invalidate() -> None:
    shared_forget(NOTICE_VERSIONS_CACHE_KEY)


def notice_current(*, kind: str) -> Notice | None:
    return Notice.objects.filter(kind=kind).order_by("-version").first()


def contact_points_of_kind(document: PreferenceDocument, kind: ContactPointKind) -> list[ContactPoint]:
    return [point for point in document.contact_points if point.kind == kind]
