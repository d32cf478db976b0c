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


@dataclass
class FloorResult:
    name: str
    app_ms: float  # median
    floor_ms: float  # median
    ratio: float  # app time / floor time
    runs: int
    rows: int

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


def _copy_same_rows(conn: psycopg.Connection, items: list[dict]) -> float:
    """COPY the customers and contact points the import creates, in one transaction; then remove them."""
    now = datetime.now(UTC)
    ranking = json.dumps(["email", "sms", "postal", "phone", "messaging", "app"])
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cursor:
        first_id = cursor.execute("SELECT nextval(pg_get_serial_sequence('preferences_customer', 'id'))").fetchone()[0]
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('preferences_customer', 'id'), %s)", (first_id + len(items),)
        )
        with cursor.copy(
            "COPY preferences_customer (id, external_id, first_name, last_name, language, channel_ranking, ai_default, "
            "assistance_mode, time_zone, large_print, plain_text_email, easy_read, marketing_objection, topic_settings, "
            "version, created_at, updated_at) FROM STDIN"
        ) as copy:
            for offset, item in enumerate(items):
                copy.write_row((
                    first_id + offset, "COPY" + item["external_id"], item["first_name"], item["last_name"],
                    item["language"], ranking, "human_reviewed", "bot_ok", "Europe/Paris", False, False, False, False,
                    "{}", 1, now, now,
                ))
        with cursor.copy(
            "COPY preferences_contactpoint (customer_id, kind, value, phone_type, verified_at, created_at) FROM STDIN"
        ) as copy:
            for offset, item in enumerate(items):
                copy.write_row((first_id + offset, "email", item["email"], "", now, now))
                copy.write_row((first_id + offset, "phone", item["phone"], "mobile",
                                now if item["phone_verified"] else None, now))
    elapsed = time.perf_counter() - started
    with conn.transaction():
        conn.execute("DELETE FROM preferences_contactpoint WHERE customer_id >= %s AND customer_id < %s",
                     (first_id, first_id + len(items)))
        conn.execute("DELETE FROM preferences_customer WHERE id >= %s AND id < %s", (first_id, first_id + len(items)))
    return elapsed


def import_vs_copy(base_url: str, database_url: str, *, key: str, size: int = 1000, runs: int = 3) -> FloorResult:
    """POST /api/v1/customers/batch with `size` new customers (email and phone each), against COPY."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    app, floor = [], []
    with psycopg.connect(database_url) as conn:
        next_number = conn.execute("SELECT COUNT(*) FROM preferences_customer").fetchone()[0] * 10
        for run in range(runs):
            items = _import_items(f"IMP-{stamp}-{run}-", size, next_number + run * size)
            status, data, elapsed = http_request(base_url, "POST", "/api/v1/customers/batch", key=key,
                                                 body={"customers": items})
            if status != 200:
                raise RuntimeError(f"batch import answered {status}: {data[:500]!r}")
            app.append(elapsed)
            floor.append(_copy_same_rows(conn, items))
    app_ms, floor_ms = statistics.median(app) * 1000, statistics.median(floor) * 1000
    return FloorResult("import", app_ms, floor_ms, app_ms / floor_ms, runs, size)


def change_targets(database_url: str, *, count: int, id_high: int, seed: int = 11) -> list[tuple[int, int, bool]]:
    """Customers for the change scenario, with their current version and large_print."""
    ids = random.Random(seed).sample(range(1, id_high + 1), min(count, id_high))
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id, version, large_print FROM preferences_customer WHERE id = ANY(%s) AND erased_at IS NULL "
            "ORDER BY id", (ids,)
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
