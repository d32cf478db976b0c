"""Measurements against a floor: the 1,000-customer contact plan against a raw psycopg fetch of the
same rows plus json.dumps, and the import path against a raw COPY of the same rows."""

import http.client
import json
import random
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import psycopg

from common.pg_copy import copy_text


@dataclass
class FloorResult:
    name: str
    app_ms: float  # median
    floor_ms: float  # median
    ratio: float  # app time / floor time
    runs: int
    rows: int
    rows_written: int = 0  # for the import: every row it wrote (customers, contact points, events, webhooks)

    def as_dict(self) -> dict:
        return asdict(self)


def http_request(base_url: str, method: str, path: str, *, key: str, body=None, headers=None) -> tuple[int, bytes, float]:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    payload = json.dumps(body).encode() if body is not None else None
    started = time.perf_counter()
    connection.request(
        method, path, body=payload,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})},
    )
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, data, elapsed


# --- The 1,000-customer contact plan -----------------------------------------------------------------

RAW_QUERIES = (
    "SELECT * FROM preferences_customer WHERE id = ANY(%(ids)s) AND erased_at IS NULL",
    "SELECT s.customer_id, t.code, s.channel, s.status FROM preferences_subscription s "
    "JOIN preferences_topic t ON t.id = s.topic_id WHERE s.customer_id = ANY(%(ids)s)",
    "SELECT * FROM preferences_contactpoint WHERE customer_id = ANY(%(ids)s)",
)


def raw_fetch_dumps(conn: psycopg.Connection, ids: list[int]) -> int:
    """The floor: the same customers' rows over the same kind of connection, then one json.dumps."""
    rows = [conn.execute(query, {"ids": ids}).fetchall() for query in RAW_QUERIES]
    return len(json.dumps(rows, default=str))


def bulk_plan(base_url: str, database_url: str, *, key: str, id_high: int, size: int = 1000, runs: int = 9,
              seed: int = 7) -> FloorResult:
    rng = random.Random(seed)
    app, floor = [], []
    with psycopg.connect(database_url, autocommit=True) as conn:
        for run in range(runs + 1):  # the first of each is a warm-up
            ids = rng.sample(range(1, id_high + 1), size)
            body = {"topic": "offers", "ai_generated": True, "customer_ids": ids}
            status, data, elapsed = http_request(base_url, "POST", "/api/v1/contact-plans", key=key, body=body)
            if status != 200 or len(json.loads(data)["plans"]) != size:
                raise RuntimeError(f"contact plan for {size} customers answered {status}: {data[:300]!r}")
            started = time.perf_counter()
            raw_fetch_dumps(conn, ids)
            raw = time.perf_counter() - started
            if run:
                app.append(elapsed)
                floor.append(raw)
    app_ms, floor_ms = statistics.median(app) * 1000, statistics.median(floor) * 1000
    return FloorResult("bulk_plan", app_ms, floor_ms, app_ms / floor_ms, runs, size)


# --- The import path ---------------------------------------------------------------------------------


def _import_items(prefix: str, size: int, first_number: int) -> list[dict]:
    return [
        {
            "external_id": f"{prefix}{index:07d}",
            "email": f"import{first_number + index}@example.org",
            "email_verified": True,
            "phone": f"+3361{(first_number + index) % 10_000_000:07d}",
            "phone_verified": index % 2 == 0,
            "first_name": "Import",
            "last_name": f"Client {index}",
            "language": "fr" if index % 5 else "en",
        }
        for index in range(size)
    ]


# Every row the import writes for its new customers, read back as COPY text, then written again by COPY
# under new ids and external ids: the floor is the database taking the very same rows.
_READ_BACK = {
    "preferences_customer": (
        "SELECT %(first)s + row_number() OVER (ORDER BY x.id) - 1, 'COPY-' || x.external_id, {columns} "
        "FROM preferences_customer x WHERE x.external_id = ANY(%(external_ids)s) ORDER BY x.id"
    ),
    "preferences_contactpoint": (
        "SELECT m.new_id, {columns} FROM preferences_contactpoint x JOIN ids m ON m.id = x.customer_id ORDER BY x.id"
    ),
    "preferences_consentevent": (
        "SELECT m.new_id, {columns} FROM preferences_consentevent x JOIN ids m ON m.id = x.customer_id ORDER BY x.id"
    ),
    "webhooks_outboxevent": (
        "SELECT {columns} FROM webhooks_outboxevent x WHERE x.type = 'customer.created' "
        "AND x.payload->>'external_id' = ANY(%(external_ids)s) ORDER BY x.id"
    ),
}


def _columns(conn: psycopg.Connection, table: str, skip: set[str]) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", (table,)
    ).fetchall()
    return [name for (name,) in rows if name not in skip]


def _copy_same_rows(conn: psycopg.Connection, external_ids: list[str]) -> tuple[float, int]:
    """Seconds to COPY (and commit) every row the import wrote for these customers, and how many rows."""
    # Per table: the columns the read-back computes (new ids), then the ones it copies as they are.
    new_columns = {
        "preferences_customer": ["id", "external_id"],
        "preferences_contactpoint": ["customer_id"],
        "preferences_consentevent": ["customer_id"],
        "webhooks_outboxevent": [],
    }
    kept = {table: _columns(conn, table, {"id", *computed}) for table, computed in new_columns.items()}
    with conn.transaction():
        first = conn.execute(
            "SELECT setval(pg_get_serial_sequence('preferences_customer', 'id'), "
            "nextval(pg_get_serial_sequence('preferences_customer', 'id')) + %s) - %s",
            (len(external_ids), len(external_ids)),
        ).fetchone()[0]
        conn.execute(
            "CREATE TEMPORARY TABLE ids ON COMMIT DROP AS SELECT id, %(first)s + row_number() OVER (ORDER BY id) - 1 "
            "AS new_id FROM preferences_customer WHERE external_id = ANY(%(external_ids)s)",
            {"first": first, "external_ids": external_ids},
        )
        texts: dict[str, bytes] = {}
        for table, columns in kept.items():
            select = _READ_BACK[table].format(columns=", ".join(f"x.{column}" for column in columns))
            with conn.cursor().copy(f"COPY ({select}) TO STDOUT", {"first": first, "external_ids": external_ids}) as copy:
                texts[table] = b"".join(bytes(block) for block in copy)
    rows = sum(text.count(b"\n") for text in texts.values())
    last_outbox = conn.execute("SELECT COALESCE(MAX(id), 0) FROM webhooks_outboxevent").fetchone()[0]
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cursor:
        for table, columns in kept.items():
            copy_text(cursor, table, new_columns[table] + columns, texts[table])
    elapsed = time.perf_counter() - started
    with conn.transaction():
        # The ledger refuses deletes (a trigger); the benchmark's own copies are removed with triggers off.
        conn.execute("SET LOCAL session_replication_role = replica")
        copied = [row[0] for row in conn.execute(
            "SELECT id FROM preferences_customer WHERE external_id = ANY(%s)", ([f"COPY-{e}" for e in external_ids],)
        ).fetchall()]
        conn.execute("DELETE FROM webhooks_outboxevent WHERE id > %s", (last_outbox,))
        for table in ("preferences_consentevent", "preferences_contactpoint"):
            conn.execute(f"DELETE FROM {table} WHERE customer_id = ANY(%s)", (copied,))  # noqa: S608 - constant names  # nosec B608
        conn.execute("DELETE FROM preferences_customer WHERE id = ANY(%s)", (copied,))
    return elapsed, rows


def import_vs_copy(base_url: str, database_url: str, *, key: str, size: int = 1000, runs: int = 5) -> FloorResult:
    """POST /api/v1/customers/batch with `size` new customers (email and phone each), against COPY of
    every row that import wrote (customers, contact points, consent events, webhook events)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    app, floor, written = [], [], 0
    # Autocommit, so that each conn.transaction() below is a real transaction that commits.
    with psycopg.connect(database_url, autocommit=True) as conn:
        next_number = conn.execute("SELECT COUNT(*) FROM preferences_customer").fetchone()[0] * 10
        for run in range(runs):
            items = _import_items(f"IMP-{stamp}-{run}-", size, next_number + run * size)
            status, data, elapsed = http_request(base_url, "POST", "/api/v1/customers/batch", key=key,
                                                 body={"customers": items})
            if status != 200:
                raise RuntimeError(f"batch import answered {status}: {data[:500]!r}")
            app.append(elapsed)
            seconds, written = _copy_same_rows(conn, [item["external_id"] for item in items])
            floor.append(seconds)
    app_ms, floor_ms = statistics.median(app) * 1000, statistics.median(floor) * 1000
    return FloorResult("import", app_ms, floor_ms, app_ms / floor_ms, runs, size, rows_written=written)


def change_targets(database_url: str, *, count: int, id_high: int, seed: int = 11) -> list[tuple[int, int, bool]]:
    """Customers for the change scenario, with their current version and large_print."""
    ids = random.Random(seed).sample(range(1, id_high + 1), min(count, id_high))
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, version, large_print FROM preferences_customer WHERE id = ANY(%s) AND erased_at IS NULL "
            "ORDER BY id", (ids,)
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
