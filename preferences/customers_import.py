"""Importing customers in batches (`POST /api/v1/customers/batch`): each item on its own, or (atomic)
all of a batch or none of it.

Customers the batch creates are written table by table, each in one statement (COPY on PostgreSQL):
the customers, their contact points, the consent events of their initial state and contact points,
and one customer.created webhook event each. That is what customer_upsert writes for one new
customer, without its fifteen round trips a customer. Customers that already exist, and an external
id given twice, go through customer_upsert one by one, as before.
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from common.db import is_postgresql
from common.pg_copy import copy_from
from outbox.models import OutboxEvent
from outbox.services import outbox_relay_on_commit
from preferences.catalog import catalog_get, notice_versions_current
from preferences.customers import UpsertPoint, customer_points_clean, customer_upsert
from preferences.document import PreferenceDocument, contact_point_state
from preferences.domain import DEFAULT_CHANNEL_RANKING, ContactPointKind
from preferences.events import customer_event_payload
from preferences.keys import SettingKey
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, ContactPoint, Customer
from preferences.state import PreferenceError, customer_value_clean
from preferences.suppression import identities_suppressed_among, suppression_apply


class BatchError(Exception):
    """Some items of an atomic batch are not valid: nothing was written. `errors` maps each item's index
    to its field errors."""

    def __init__(self, errors: dict[str, dict]):
        super().__init__("Some items of the batch are not valid.")
        self.errors = errors


class ImportResult(NamedTuple):
    """One item of a batch: its customer and whether it was created, or (customer None) why it failed."""

    customer: Customer | None
    created: bool
    errors: dict[str, list[str]] | None = None


def customers_import(*, context: ChangeContext, items: list[dict], atomic: bool = True) -> list[ImportResult]:
    """Create or update customers by external_id, in one transaction; one result per item, in order.

    atomic: any invalid item raises BatchError with every invalid item, and nothing is written.
    Otherwise an invalid item (or one whose upsert fails) is a failed result and changes nothing of its
    own, while the others are written."""
    errors: dict[str, dict] = {}
    cleaned: dict[int, dict] = {}
    for index, item in enumerate(items):
        try:
            cleaned[index] = _item_clean(item)
        except PreferenceError as error:
            errors[str(index)] = error.message_dict
    if errors and atomic:
        raise BatchError(errors)
    results: dict[int, ImportResult] = {}
    with transaction.atomic():
        external_ids = [item["external_id"] for index, item in enumerate(items) if index in cleaned]
        # Rows are locked, and new customers inserted, in one order whatever the batch's order (ids, then
        # external ids): two batches naming the same customers in opposite orders wait for each other
        # at most once, never in a circle (tests/api/test_customer_batch_postgres.py).
        existing = set(
            Customer.objects.select_for_update()
            .filter(external_id__any=external_ids)
            .order_by("pk")
            .values_list("external_id", flat=True)
        )
        in_order = sorted(cleaned, key=lambda index: items[index]["external_id"])  # stable: repeats keep their order
        first_seen: dict[str, int] = {}
        for index in in_order:
            first_seen.setdefault(items[index]["external_id"], index)
        new = [
            index
            for index in in_order
            if items[index]["external_id"] not in existing and first_seen[items[index]["external_id"]] == index
        ]
        try:
            with transaction.atomic():
                for index, customer in zip(
                    new, _customers_create(context=context, items=[cleaned[i] for i in new]), strict=True
                ):
                    results[index] = ImportResult(customer, True)
        except IntegrityError:
            # Another request created one of these customers meanwhile: each of them goes one by one.
            results.clear()
        for index in in_order:
            item = items[index]
            if index in results:
                continue
            try:
                with transaction.atomic():
                    customer, created = customer_upsert(context=context, **item)
                results[index] = ImportResult(customer, created)
            except PreferenceError as error:
                errors[str(index)] = error.message_dict
        if errors and atomic:
            raise BatchError(dict(sorted(errors.items(), key=lambda error: int(error[0]))))  # in the batch's order
    return [results.get(index) or ImportResult(None, False, errors[str(index)]) for index in range(len(items))]


POINT_FIELDS = (
    "email",
    "email_verified",
    "phone",
    "phone_verified",
    "phone_type",
    "postal_address",
    "postal_address_verified",
    "messaging",
    "app_installations",
)


def _item_clean(item: dict) -> dict:
    """The item with its contact points as customer_upsert would store them (`points`), or
    PreferenceError keyed by the item's fields."""
    fields: dict[str, list[str]] = {}
    points: list[UpsertPoint] = []
    try:
        points = customer_points_clean(**{name: item[name] for name in POINT_FIELDS if name in item})
    except PreferenceError as error:
        fields.update(error.message_dict)
    if item.get("language") is not None:
        try:
            customer_value_clean("language", item["language"])
        except PreferenceError as error:
            fields["language"] = error.message_dict["customer.language"]
    if fields:
        raise PreferenceError(fields)
    return {**item, "points": points}


def _customers_create(*, context: ChangeContext, items: list[dict]) -> list[Customer]:
    """customer_upsert's creation path for many customers: each table written once."""
    if not items:
        return []
    now = timezone.now()
    catalog = catalog_get()
    customers = [
        Customer(
            external_id=item["external_id"],
            first_name=item.get("first_name") or "",
            last_name=item.get("last_name") or "",
            language=item.get("language") or "fr",
            channel_ranking=list(DEFAULT_CHANNEL_RANKING),
            created_at=now,
            updated_at=now,
        )
        for item in items
    ]
    _instances_insert(Customer, customers)
    points: list[ContactPoint] = []
    for customer, item in zip(customers, items, strict=True):
        points += [
            ContactPoint(
                customer_id=customer.pk,
                kind=point.kind,
                value=point.value,
                phone_type=point.phone_type,
                verified_at=now if point.verified else None,
                created_at=now,
            )
            for point in item["points"]
        ]
    _instances_insert(ContactPoint, points)
    points_of: dict[int, list[ContactPoint]] = {}
    for point in points:
        points_of.setdefault(point.customer_id, []).append(point)
    versions = notice_versions_current()
    # Fifteen events a customer: written as plain rows, not as model instances.
    context_values = [
        now,
        context.actor_type,
        context.actor_id,
        context.source,
        context.reason_code,
        context.reason,
        context.evidence,
        versions.get("privacy"),
        versions.get("ai_statement"),
        context.ip_truncated,
        context.user_agent,
    ]

    def events() -> Iterator[list]:
        # The rows go to COPY as they are made, not kept as a list first: fifteen thousand lists alive at
        # once for 1,000 customers made Python's full garbage collection run in most batches (40-60 ms).
        # No query here: the COPY holds the connection while this runs.
        for customer in customers:
            # The initial state, as customer_create records it, then each contact point as it is added.
            initial = PreferenceDocument(customer=customer, contact_points=[], subscriptions={}, catalog=catalog).state()
            for key, value in initial.items():
                yield [customer.pk, customer.version, key, None, value, *context_values]
            for p in points_of.get(customer.pk, []):
                yield [customer.pk, customer.version, str(SettingKey.contact_point(p.pk)), None, contact_point_state(p), *context_values]

    _rows_insert(ConsentEvent, EVENT_COLUMNS, events())
    _rows_insert(
        OutboxEvent,
        ["type", "payload", "created_at"],
        [
            ["customer.created", customer_event_payload(c), now]
            for c in customers
        ],
    )
    outbox_relay_on_commit()
    _suppressed_apply(context=context, customers=customers, points_of=points_of)
    return customers


def _suppressed_apply(*, context: ChangeContext, customers: list[Customer], points_of: dict) -> None:
    """Customers with an address on the suppression list object to marketing from the start (one query
    for the batch; the few it finds are changed one by one, as customer_upsert would)."""
    identities = {(p.kind, p.value) for points in points_of.values() for p in points}
    suppressed = identities_suppressed_among(identities=identities)
    for customer in customers:
        mine = [(p.kind, p.value) for p in points_of.get(customer.pk, []) if (p.kind, p.value) in suppressed]
        if mine:
            _keys, fields = suppression_apply(
                customer=customer,
                emails=[value for kind, value in mine if kind == ContactPointKind.EMAIL],
                phones=[value for kind, value in mine if kind == ContactPointKind.PHONE],
                context=context,
            )
            if fields:  # part of the creation (version 1), as customer_create does it
                customer.save(update_fields=[*fields, "updated_at"])


# --- Writing rows ---------------------------------------------------------------------------------


EVENT_COLUMNS = [
    "customer_id",
    "version",  # the creation is one change: version 1
    "key",
    "old_value",
    "new_value",
    "occurred_at",
    "actor_type",
    "actor_id",
    "source",
    "reason_code",
    "reason",
    "evidence",
    "privacy_notice_version",
    "ai_statement_version",
    "ip_truncated",
    "user_agent",
]


def _instances_insert(model, instances: list) -> None:
    """Insert unsaved instances of `model` and give them their ids, as bulk_create does."""
    columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    ids = _rows_insert(
        model, columns, [[getattr(instance, name) for name in columns] for instance in instances], ids=True
    )
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding, instance._state.db = False, connection.alias


def _rows_insert(model, columns: list[str], rows: Iterable[list], *, ids: bool = False) -> list[int]:
    """Insert rows (values of these attnames, as Python values) in one statement: COPY on PostgreSQL, with
    the ids drawn from the table's sequence first when they are wanted back (rows is then a list); bulk_create
    elsewhere. Rows may come from a generator, which runs while the COPY is open: it may not query."""
    if isinstance(rows, list) and not rows:
        return []
    if not is_postgresql():
        rows = list(rows)
        if not rows:
            return []
        created = model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
        return [instance.pk for instance in created]
    fields = [model._meta.get_field(name) for name in columns]
    # psycopg adapts every other value itself; JSON goes as its text, which COPY's text format reads.
    json_fields = [
        (index, f.encoder or DjangoJSONEncoder)
        for index, f in enumerate(fields)
        if f.get_internal_type() == "JSONField"
    ]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        new_ids: list[int] = []
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
            )
            new_ids = [pk for (pk,) in cursor.fetchall()]
        names = (["id"] if ids else []) + [f.column for f in fields]
        scalars: dict[tuple[type, Any], str] = {}  # a batch repeats the same few values ("fr", false…)
        # A unique key taken meanwhile by another transaction is Django's IntegrityError, as through the ORM.
        with connection.wrap_database_errors, copy_from(cursor.cursor, table, names) as copy:
            for number, row in enumerate(rows):
                for index, encoder in json_fields:
                    value = row[index]
                    if value is None:
                        continue
                    if isinstance(value, str | bool | int):
                        text = scalars.get((type(value), value))
                        if text is None:
                            text = scalars[(type(value), value)] = json.dumps(value, cls=encoder)
                        row[index] = text
                    else:
                        row[index] = json.dumps(value, cls=encoder)
                copy.write_row([new_ids[number], *row] if ids else row)
    return new_ids
