"""The change feed: ledger events after a position, complete and in one order whatever the concurrency.

A position is (transaction id, event id); see preferences.transaction_ids for why the transaction id is
part of it. A page is read in two statements: first the end, the position below which every event has
been committed and can be seen; then the events between the reader's position and that end. Events
committed later all lie beyond the end, so a reader that follows the cursor sees each one once.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, F, Func, Max, QuerySet, Value

from common.db import is_postgresql
from preferences.models import ConsentEvent
from preferences.transaction_ids import FeedHorizon

MAX_ID = 2**63 - 1

# Numbers as the feed writes them: ASCII digits (not "٣"), no leading zero (not "00.43"), so that one
# position has one cursor.
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
_POSITION = re.compile(rf"({_NUMBER.pattern})\.({_NUMBER.pattern})")
# Either form of a cursor, for a query's validation and the schema (api.events).
CURSOR_PATTERN = rf"{_NUMBER.pattern}|{_POSITION.pattern}"


@dataclass(frozen=True, order=True)
class FeedPosition:
    """Where a reader stands: it has seen every event up to this one in the feed's order."""

    transaction_id: int
    event_id: int

    def __str__(self) -> str:
        return f"{self.transaction_id}.{self.event_id}"

    @classmethod
    def parse(cls, text: str) -> "FeedPosition | None":
        """The position a cursor's text names: `t.e`, or a plain event id (the cursors of the first API
        version) as (0, id), to be placed by feed_position; None when it is neither or a number is past
        the largest id. `0` is the beginning. It says nothing of whether the feed gave it."""
        if _NUMBER.fullmatch(text):
            return cls(0, int(text)) if int(text) <= MAX_ID else None
        match = _POSITION.fullmatch(text)
        if match is None or max(int(match[1]), int(match[2])) > MAX_ID:
            return None
        return cls(int(match[1]), int(match[2]))


START = FeedPosition(0, 0)


class UnknownCursor(ValueError):
    """A cursor this feed never gave: following it could skip events without anybody noticing."""


def feed_position(cursor: str, *, read_end: Callable[[], FeedPosition] | None = None) -> FeedPosition:
    """Where a cursor this feed gave stands (one query, none for `0`). The feed gives `0` (the
    beginning), an event's position, and its end as it was (`feed_end`); the first API version gave the
    id of the last event served. Raises UnknownCursor for anything else: a position past the end, an
    event with another transaction, a number past the largest id, text that is no cursor. `read_end`
    reads the feed's end (a FeedEndOnce, to share that reading with the page read next)."""
    position = FeedPosition.parse(cursor)
    if position is None:
        raise UnknownCursor(cursor)
    if position == START:
        return START
    if _NUMBER.fullmatch(cursor):
        return _legacy_position(position.event_id)
    if position.event_id == MAX_ID:  # an end: the horizon only moves forward
        if position <= (read_end or feed_end)():
            return position
    elif ConsentEvent.objects.filter(pk=position.event_id, transaction_id=position.transaction_id).exists():
        return position
    raise UnknownCursor(cursor)


def _legacy_position(event_id: int) -> FeedPosition:
    """An old cursor was the id of the last event served: stand where that event stands (or, for an id
    no event has, where the last event before it stands). An id past the last event was never given."""
    last = ConsentEvent.objects.filter(pk__lte=event_id).order_by("-pk").values_list("pk", "transaction_id").first()
    if last is None or not ConsentEvent.objects.filter(pk__gte=event_id).exists():
        raise UnknownCursor(str(event_id))
    return FeedPosition(last[1], event_id)


@dataclass(frozen=True)
class FeedFilters:
    """Narrow a page to some events; the cursor still moves over the whole feed."""

    customer_id: int | None = None
    external_id: str | None = None
    key_prefix: str | None = None
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None


@dataclass(frozen=True)
class FeedPage:
    events: list[ConsentEvent]
    next_position: FeedPosition
    has_more: bool


def feed_end() -> FeedPosition:
    """The position after the last event that no open transaction can precede (the "now" of the feed)."""
    if not is_postgresql():
        # Writers are serialised: every id there is has been committed, in id order.
        return FeedPosition(0, ConsentEvent.objects.aggregate(last=Max("id"))["last"] or 0)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # pg_stat_activity is read once per transaction; a reader inside a long one (tests) reads it anew.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        horizon_sql, params = FeedHorizon().as_postgresql(None, connection)
        cursor.execute(f"SELECT {horizon_sql}", params)
        (horizon,) = cursor.fetchone()
    return FeedPosition(horizon - 1, MAX_ID)


class FeedEndOnce:
    """The feed's end as one request sees it: read when first asked, then the same position. A caught-up
    reader's cursor is an end, checked against the feed's end before its page is read up to that end:
    one reading serves both (any end is one: nothing before it can still be committed)."""

    def __init__(self) -> None:
        self._end: FeedPosition | None = None

    def __call__(self) -> FeedPosition:
        if self._end is None:
            self._end = feed_end()
        return self._end


def consent_events_page(
    *,
    after: FeedPosition,
    limit: int,
    filters: FeedFilters = FeedFilters(),
    read_end: Callable[[], FeedPosition] | None = None,
) -> FeedPage:
    """Up to `limit` events after a position, in feed order, with their customers (two queries: the
    end, unless `read_end` read it already, then the page)."""
    end = (read_end or feed_end)()
    if end <= after:
        return FeedPage(events=[], next_position=after, has_more=False)
    events = list(_filtered(_between(after, end), filters).select_related("customer")[: limit + 1])
    has_more = len(events) > limit
    events = events[:limit]
    last = FeedPosition(events[-1].transaction_id, events[-1].pk) if has_more else end
    return FeedPage(events=events, next_position=last, has_more=has_more)


def _between(after: FeedPosition, end: FeedPosition) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(_PositionCompare(">", after), _PositionCompare("<=", end)).order_by(
        "transaction_id", "id"
    )


class _PositionCompare(Func):
    """`(transaction_id, id) > (t, i)`: a row comparison, so that PostgreSQL walks the feed's index from
    the position (SQLite compares row values too)."""

    output_field = BooleanField()

    def __init__(self, operator: str, position: FeedPosition):
        assert operator in {">", "<="}
        self.operator = operator
        values = (Value(part, output_field=BigIntegerField()) for part in (position.transaction_id, position.event_id))
        super().__init__(F("transaction_id"), F("id"), *values)

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        return f"({parts[0]}, {parts[1]}) {self.operator} ({parts[2]}, {parts[3]})", params


def _filtered(events: QuerySet[ConsentEvent], filters: FeedFilters) -> QuerySet[ConsentEvent]:
    if filters.customer_id is not None:
        events = events.filter(customer_id=filters.customer_id)
    if filters.external_id is not None:
        events = events.filter(customer__external_id=filters.external_id)
    if filters.key_prefix:
        events = events.filter(key__startswith=filters.key_prefix)
    if filters.occurred_after is not None:
        events = events.filter(occurred_at__gte=filters.occurred_after)
    if filters.occurred_before is not None:
        events = events.filter(occurred_at__lt=filters.occurred_before)
    return events
