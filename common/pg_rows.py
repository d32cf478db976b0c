"""Writing model rows on PostgreSQL without the ORM's statement compilation, for the few writes every change
makes: an INSERT of new instances and an UPDATE of some fields of one instance (the ORM elsewhere); and
`writes_batched()`, which sends such writes together, in one round trip.

The SQL text is built once per model and row count (or set of fields) from the model's own columns, so
PostgreSQL keeps its plan (prepared statements, see portal.settings); each value still goes through its
field's pre_save (auto_now…) and get_db_prep_save, as the ORM does. Compiling a change's consent-event INSERT
and customer UPDATE through the ORM cost 0.25-0.3 ms of CPU more than this, a tenth of a change's. No signals
are sent: use these only for models no receiver listens to.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Field, Model
from psycopg import sql

from common.db import is_postgresql

# A change writes a few rows (a customer's creation about 25 consent events): one statement text per
# count up to this, well under PostgreSQL's 65,535 parameters a statement; more go through bulk_create,
# which splits them.
FAST_INSERT_ROWS = 64


def instances_insert(instances: Sequence[Model]) -> list[Model]:
    """Insert unsaved instances of one model and return them with what the database set, as bulk_create
    does: on PostgreSQL in one statement (their ids and the fields with a database default, left to it);
    elsewhere, or for more than FAST_INSERT_ROWS, through bulk_create itself."""
    if not instances:
        return []
    model = type(instances[0])
    if not is_postgresql() or len(instances) > FAST_INSERT_ROWS:
        return model.objects.bulk_create(instances)
    sql_text, fields, returned = _insert_statement(model, len(instances))
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: `connection` is a proxy, costly once a value
    params = [field.get_db_prep_save(field.pre_save(obj, True), db) for obj in instances for field in fields]
    cursor = db.cursor()

    def finish() -> None:
        rows = cursor.fetchall()
        for instance, row in zip(instances, rows, strict=True):
            for field, value in zip(returned, row, strict=True):
                setattr(instance, field.attname, value)
            instance._state.adding, instance._state.db = False, db.alias

    _send(cursor, sql_text, params, finish)
    return list(instances)


def instance_update(instance: Model, update_fields: Sequence[str]) -> None:
    """`instance.save(update_fields=update_fields)` for an instance of a model with no receiver: an
    UPDATE of those columns of its row; DatabaseError when no row was updated, as save() says. Elsewhere
    than on PostgreSQL, save() itself."""
    if not is_postgresql():
        instance.save(update_fields=update_fields)
        return
    sql_text, fields = _update_statement(type(instance), frozenset(update_fields))
    db = connections[DEFAULT_DB_ALIAS]
    params = [field.get_db_prep_save(field.pre_save(instance, False), db) for field in fields]
    cursor = db.cursor()

    def finish() -> None:
        if not cursor.rowcount:
            raise DatabaseError("Save with update_fields did not affect any rows.")
        instance._state.adding, instance._state.db = False, db.alias

    _send(cursor, sql_text, [*params, instance.pk], finish)


@contextmanager
def writes_batched() -> Iterator[None]:
    """Send the INSERTs and UPDATEs of instances_insert and instance_update made in the block together,
    in one round trip on PostgreSQL (psycopg's pipeline mode), where each took its own: the server
    still runs them one after the other, in the block's transaction. What the database gives back (ids,
    defaults, the check that an UPDATE found its row, errors) is read as the block ends, so inside it,
    use no id these writes set and read nothing written in it. A query in the block still works, at the
    cost of a round trip. Elsewhere than on PostgreSQL, and inside another such block, each write is
    finished at once, as without it."""
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: `connection` is a proxy
    if not is_postgresql() or getattr(db, _PENDING, None) is not None:
        yield
        return
    db.ensure_connection()
    pending: list[tuple[Any, Callable[[], None]]] = []
    setattr(db, _PENDING, pending)
    try:
        with db.wrap_database_errors, db.connection.pipeline():
            yield
        for _cursor, finish in pending:
            finish()
    finally:
        setattr(db, _PENDING, None)
        for cursor, _finish in pending:
            cursor.close()


# The finishing steps of the writes sent in a writes_batched() block, on the connection (one per thread).
_PENDING = "_pg_rows_pending"


def _send(cursor, sql_text: str, params: list, finish: Callable[[], None]) -> None:
    """Run the statement, then finish it and close its cursor: at once, or as the writes_batched() block
    around it ends."""
    pending = getattr(cursor.db, _PENDING, None)
    if pending is not None:
        pending.append((cursor, finish))
        cursor.execute(sql_text, params)
        return
    with cursor:
        cursor.execute(sql_text, params)
        finish()


def _names(fields: Sequence[Field]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(field.column) for field in fields)


@lru_cache(maxsize=64)
def _insert_statement(model: type[Model], count: int) -> tuple[str, list[Field], list[Field]]:
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key and not f.has_db_default() and not f.generated]
    returned = opts.db_returning_fields  # the id, then the fields with a database default
    row = sql.SQL("({})").format(sql.SQL(", ").join([sql.Placeholder()] * len(fields)))
    statement = sql.SQL("INSERT INTO {} ({}) VALUES {} RETURNING {}").format(
        sql.Identifier(opts.db_table), _names(fields), sql.SQL(", ").join([row] * count), _names(returned)
    )
    return statement.as_string(), fields, returned


@lru_cache(maxsize=64)
def _update_statement(model: type[Model], names: frozenset[str]) -> tuple[str, list[Field]]:
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key and (f.name in names or f.attname in names)]
    unknown = names - {f.name for f in fields} - {f.attname for f in fields}
    if unknown:  # what save(update_fields=…) says
        raise ValueError(
            f"The following fields do not exist in this model, or are m2m fields: {', '.join(sorted(unknown))}"
        )
    statement = sql.SQL("UPDATE {} SET {} WHERE {} = %s").format(
        sql.Identifier(opts.db_table),
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(f.column)) for f in fields),
        sql.Identifier(opts.pk.column),
    )
    return statement.as_string(), fields
