"""Loading preference documents from the database: one query per read on PostgreSQL (raw SQL that
aggregates subscriptions and contact points as JSON beside each customer row), the ORM elsewhere."""

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import JSONField
from django.db.models.base import ModelState

from common.db import is_postgresql
from preferences.catalog import Catalog, catalog_get
from preferences.document import PreferenceDocument
from preferences.models import ContactPoint, Customer, Subscription


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
    documents, _values = preference_documents_active_beside(ids=ids, external_ids=external_ids)
    return documents


@dataclass(frozen=True)
class ColumnBeside:
    """One more value read in the documents' own statement, beside each customer row: a SQL expression
    on that row (`c`) and its parameters, given by the layer that knows the tables it reads (the week's
    marketing sends of a contact plan, kept by the API). One statement instead of two round trips."""

    sql: str
    params: tuple = ()


def preference_documents_active_beside(
    *, ids: Sequence[int] = (), external_ids: Sequence[str] = (), beside: ColumnBeside | None = None
) -> tuple[list[PreferenceDocument], list[Any] | None]:
    """preference_documents_active, and on PostgreSQL the value of `beside` for each document, in the same
    order; None in place of the values elsewhere or without `beside` (the caller then reads them its own way)."""
    if not is_postgresql():
        customers = Customer.objects.filter(erased_at__isnull=True)
        customers = customers.filter(pk__in=ids) if ids else customers.filter(external_id__in=external_ids)
        return _documents_build(list(customers)), None
    if len(ids) == 1:  # the single read: `=` plans faster than `= ANY(array)`
        where, param = _BY_ID, ids[0]
    else:
        where, param = (_BY_IDS, list(ids)) if ids else (_BY_EXTERNAL_IDS, list(external_ids))
    sql, params = _documents_sql(where, beside.sql if beside else ""), [*(beside.params if beside else ()), param]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        db = cursor.db  # the connection itself: `connection` is a proxy, costly in a loop of 1,000
    catalog = catalog_get()
    width = len(_CUSTOMER_FIELDS)
    documents = [
        _document_from_json(_customer_from_row(row[:width], db), row[width], row[width + 1], catalog, db.alias)
        for row in rows
    ]
    return documents, [row[width + 2] for row in rows] if beside else None


def preference_documents_range(
    *,
    id_from: int,
    id_to: int,
    language: str = "",
    updated_since: datetime | None = None,
    batch_size: int = 1000,
    using: str = DEFAULT_DB_ALIAS,
) -> Iterator[list[PreferenceDocument]]:
    """The documents of the customers with id_from <= id < id_to whose data is not erased (of this
    language, changed since then, when given), in id order, `batch_size` at a time, streamed: on
    PostgreSQL one statement through a server-side cursor (the one-query document of each row), with
    the ORM's iterator elsewhere (three queries a batch). Memory holds one batch, whatever the range.
    `using`: the database read (a read replica, common.replica)."""
    if not is_postgresql():
        customers = Customer.objects.using(using).filter(erased_at__isnull=True, pk__gte=id_from, pk__lt=id_to)
        if language:
            customers = customers.filter(language=language)
        if updated_since is not None:
            customers = customers.filter(updated_at__gte=updated_since)
        batch: list[Customer] = []
        for customer in customers.order_by("pk").iterator(chunk_size=batch_size):
            batch.append(customer)
            if len(batch) == batch_size:
                yield _documents_build(batch, using)
                batch = []
        if batch:
            yield _documents_build(batch, using)
        return
    sql, params = _DOCUMENTS_SQL + "c.id >= %s AND c.id < %s", [id_from, id_to]
    if language:
        sql, params = sql + " AND c.language = %s", [*params, language]
    if updated_since is not None:
        sql, params = sql + " AND c.updated_at >= %s", [*params, updated_since]
    catalog = catalog_get()
    width = len(_CUSTOMER_FIELDS)
    with connections[using].chunked_cursor() as cursor:  # a named (server-side) cursor: rows come as fetched
        db = cursor.db
        _timestamps_in_c(cursor.cursor, db)
        cursor.execute(sql + " ORDER BY c.id", params)
        while rows := cursor.fetchmany(batch_size):
            yield [
                _document_from_json(_customer_from_row(row[:width], db), *row[width:], catalog, db.alias)
                for row in rows
            ]


def preference_document_lock(*, customer_id: int) -> PreferenceDocument:
    """A customer's document with the customer row locked (SELECT … FOR UPDATE) until the end of the
    transaction, for a change: two queries in one round trip on PostgreSQL, three elsewhere. Raises
    Customer.DoesNotExist. Erased customers are returned too: the caller says what that means."""
    if not is_postgresql():
        customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer_id)
        return preference_document_build(customer)
    # The lock, then the relations in a statement of their own: a statement that waited for the lock
    # sees the locked row as committed by the other change, but subqueries in it would still read the
    # subscriptions as they were when it started (READ COMMITTED takes one snapshot per statement).
    # Both go with the transaction's BEGIN in one round trip (psycopg's pipeline mode): the server
    # still runs them one after the other, the relations once the lock is held.
    with connection.cursor() as lock_cursor, connection.cursor() as relations_cursor:
        db = lock_cursor.db
        with db.wrap_database_errors, db.connection.pipeline():
            lock_cursor.execute(_CUSTOMER_LOCK_SQL, [customer_id])
            relations_cursor.execute(_RELATIONS_SQL, [customer_id])
        row = lock_cursor.fetchone()
        relations = relations_cursor.fetchone()
    if row is None:
        raise Customer.DoesNotExist(f"No customer {customer_id}.")
    return _document_from_json(_customer_from_row(row, db), *relations, catalog_get(), db.alias)


def _documents_build(customers: list[Customer], using: str = DEFAULT_DB_ALIAS) -> list[PreferenceDocument]:
    ids = [customer.pk for customer in customers]
    subscriptions: dict[int, dict[tuple[str, str], str]] = {customer_id: {} for customer_id in ids}
    rows = Subscription.objects.using(using).filter(customer_id__in=ids).values_list(
        "customer_id", "topic__code", "channel", "status"
    )
    for customer_id, topic_code, channel, status in rows:
        subscriptions[customer_id][(topic_code, channel)] = status
    contact_points: dict[int, list[ContactPoint]] = {customer_id: [] for customer_id in ids}
    for point in ContactPoint.objects.using(using).filter(customer_id__in=ids):
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
_DOCUMENTS_COLUMNS = f"SELECT {_CUSTOMER_COLUMNS}, {_SUBSCRIPTIONS_JSON}, {_CONTACT_POINTS_JSON}"
_DOCUMENTS_FROM = f" FROM {_CUSTOMERS} c WHERE c.erased_at IS NULL AND "
_DOCUMENTS_SQL = _DOCUMENTS_COLUMNS + _DOCUMENTS_FROM
_BY_ID, _BY_IDS, _BY_EXTERNAL_IDS = "c.id = %s", "c.id = ANY(%s)", "c.external_id = ANY(%s)"


@lru_cache(maxsize=16)
def _documents_sql(where: str, beside: str) -> str:
    """The documents' statement for one of the conditions above, with a column beside them or not (a
    caller's constant: ColumnBeside, never input), composed once for each."""
    column = f", ({beside})" if beside else ""
    return _DOCUMENTS_COLUMNS + column + _DOCUMENTS_FROM + where


def _timestamps_in_c(cursor: psycopg.Cursor, db) -> None:
    """Let this cursor read timestamptz with psycopg's own (C) loader instead of Django's, a Python
    subclass that parses each value in Python and then sets its zone: 80 against 23 ms of CPU for the
    10,000 rows of an audience chunk. The values are the same only when both mean UTC: the session's
    TimeZone is UTC (psycopg then gives datetime.timezone.utc) and Django wants times in UTC."""
    if db.timezone is UTC and cursor.connection.info.parameter_status("TimeZone") == "UTC":
        loader = psycopg.adapters.get_loader(_TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)
        cursor.adapters.register_loader(_TIMESTAMPTZ_OID, loader)


_TIMESTAMPTZ_OID = psycopg.postgres.types["timestamptz"].oid


def _customer_from_row(values: tuple, db) -> Customer:
    """A Customer as the ORM would build it from the same columns (with each field's converters)."""
    global _customer_converters
    if _customer_converters is None:  # the fields that have any (JSON), found once
        _customer_converters = [
            (
                index,
                [_json_value if _plain_json(model_field, c) else c for c in converters],
                model_field.get_col(_CUSTOMERS),
            )
            for index, model_field in enumerate(_CUSTOMER_FIELDS)
            if (converters := model_field.get_db_converters(db))
        ]
    converted = list(values)
    for index, converters, column in _customer_converters:
        for converter in converters:
            converted[index] = converter(converted[index], column, db)
    return _loaded(Customer, _CUSTOMER_ATTNAMES, converted, db.alias)


def _plain_json(model_field, converter) -> bool:
    """Whether the converter is JSONField.from_db_value with json's own decoder (no custom one)."""
    return isinstance(model_field, JSONField) and model_field.decoder is None and converter == model_field.from_db_value


def _json_value(value, expression, connection):
    """JSONField.from_db_value for a column (never a key transform) without a custom decoder: the value
    json.loads gives, or the text itself when it is not JSON. Read by orjson (a third of the time)
    unless the text holds a run of 19 digits or more: orjson reads an integer beyond 64 bits as a float
    where json keeps it whole; it reads every other JSON text as json does, and what it refuses (NaN,
    a number too large for a float) goes to json, which decides."""
    if value is None:
        return value
    if _LONG_DIGITS.search(value) is None:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
    try:
        return _json_decode(value)
    except json.JSONDecodeError:
        return value


_json_decode = json.JSONDecoder().decode  # what json.loads(value) calls
_LONG_DIGITS = re.compile(r"[0-9]{19}")


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
    # orjson: these two columns are built by the SQL above (ids, codes, texts, times), which it reads
    # exactly as json does, in a third of the time. Not for a JSONField's free content: it reads an
    # integer beyond 64 bits as a float where json keeps it whole.
    subscriptions = {(topic_code, channel): status for topic_code, channel, status in orjson.loads(subscriptions_json)}
    contact_points = []
    for point_id, customer_id, kind, value, phone_type, verified_at, created_at in orjson.loads(points_json):
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
