"""The benchmark data set: customers with realistic preferences, written with COPY (psycopg 3).

Every customer gets what the services would have written for them: contact points (email, phone,
postal address, app), explicit subscriptions where they chose, per-topic settings, a version, and
the consent events that prove the state (the initial state as `customer_create` records it, then the
choices). The catalogue (channels, topics) is the one the migrations installed. Rows are generated
in plain Python from a seeded RNG, formatted as COPY text and streamed in chunks, so memory stays
flat whatever the size. The same code loads a 200-customer set in a test and a million in a bench.
"""

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from common.pg_copy import copy_from, copy_line, copy_text
from preferences.domain import DEFAULT_CHANNEL_RANKING, PRIOR_OPTIN_CHANNELS
from preferences.keys import SettingKey

EXTERNAL_ID_PREFIX = "BENCH-"
CHUNK = 5_000  # customers per COPY chunk

FIRST_NAMES = ["Camille", "Dominique", "Alex", "Sacha", "Claude", "Léa", "Hugo", "Inès", "Louis", "Chloé",
               "Nathan", "Manon", "Jules", "Emma", "Adam", "Zoé", "Lucas", "Jade", "Noah", "Lina"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]
STREETS = ["rue de la Paix", "avenue Jean Jaurès", "boulevard Voltaire", "rue Victor Hugo", "place de la Mairie",
           "chemin des Vignes", "allée des Tilleuls", "rue Pasteur"]
TOWNS = [("75011", "Paris"), ("69003", "Lyon"), ("13006", "Marseille"), ("31000", "Toulouse"), ("44000", "Nantes"),
         ("33000", "Bordeaux"), ("59000", "Lille"), ("67000", "Strasbourg"), ("35000", "Rennes"), ("06000", "Nice")]

CUSTOMER_COLUMNS = (
    "id", "external_id", "first_name", "last_name", "language", "channel_ranking", "ai_default", "assistance_mode",
    "quiet_hours_start", "quiet_hours_end", "time_zone", "weekly_marketing_cap", "large_print", "plain_text_email",
    "easy_read", "marketing_objection", "topic_settings", "version", "created_at", "updated_at",
)
CONTACT_POINT_COLUMNS = ("id", "customer_id", "kind", "value", "phone_type", "verified_at", "created_at")
SUBSCRIPTION_COLUMNS = ("customer_id", "topic_id", "channel", "status", "updated_at")
SEND_COLUMNS = ("client_id", "customer_id", "topic_id", "channel", "sent_at", "ai_generated", "message_id", "created_at")
EVENT_COLUMNS = (
    "customer_id", "occurred_at", "key", "old_value", "new_value", "actor_type", "actor_id", "source", "reason_code",
    "reason", "evidence", "privacy_notice_version", "ai_statement_version", "ip_truncated", "user_agent",
)


@dataclass(frozen=True, eq=False)
class TopicRow:
    id: int
    code: str
    kind: str
    allowed_channels: list[str]
    default_channels: list[str]
    paper_copy_available: bool


@dataclass
class LoadResult:
    customers: int
    first_id: int
    last_id: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- JSON in COPY text ----------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- Generation ------------------------------------------------------------------------------------


def topics_get(conn: psycopg.Connection) -> list[TopicRow]:
    rows = conn.execute(
        "SELECT id, code, kind, allowed_channels, default_channels, paper_copy_available "
        "FROM preferences_topic ORDER BY \"order\", code"
    ).fetchall()
    if not rows:
        raise RuntimeError("No topic in the catalogue: run the migrations first.")
    return [TopicRow(*row) for row in rows]


def _usable(points: list[tuple]) -> set[str]:
    """Channels the generated contact points make usable (see PreferenceDocument.usable_channels)."""
    usable: set[str] = set()
    for kind, _value, phone_type, verified in points:
        if kind == "postal":
            usable.add("postal")
        elif verified and kind == "email":
            usable.add("email")
        elif verified and kind == "app":
            usable.add("app")
        elif verified and kind == "phone":
            usable.add("phone")
            if phone_type == "mobile":
                usable.update(("sms", "messaging"))
    return usable


def customer_rows(
    customer_id: int, *, rng: random.Random, topics: list[TopicRow], now: datetime, external_prefix: str
) -> tuple[tuple, list[tuple], list[tuple], list[tuple]]:
    """One customer: (customer row, contact points, subscriptions, events). Contact point ids are
    filled in by the caller; events reference them as `contact_point.{id}` through a placeholder."""
    created = now - timedelta(days=rng.randrange(1, 1500), seconds=rng.randrange(86400))
    language = "en" if rng.random() < 0.2 else "fr"
    ranking = list(DEFAULT_CHANNEL_RANKING)
    if rng.random() < 0.3:
        rng.shuffle(ranking)
    quiet = rng.random() < 0.25
    customer = {
        "language": language,
        "channel_ranking": ranking,
        "ai_default": rng.choice(["ai_allowed", "human_reviewed", "human_reviewed", "human_only"]),
        "assistance_mode": rng.choice(["human_first", "bot_ok", "bot_ok"]),
        "quiet_hours_start": "21:00" if quiet else None,
        "quiet_hours_end": "08:00" if quiet else None,
        "time_zone": "Europe/Paris" if rng.random() < 0.95 else "America/Martinique",
        "weekly_marketing_cap": rng.choice([None, None, None, 1, 2, 5]),
        "large_print": rng.random() < 0.03,
        "plain_text_email": rng.random() < 0.05,
        "easy_read": rng.random() < 0.02,
        "marketing_objection": rng.random() < 0.05,
    }
    points: list[tuple] = []  # (kind, value, phone_type, verified)
    if rng.random() < 0.95:
        points.append(("email", f"client{customer_id}@example.net", "", rng.random() < 0.85))
    if rng.random() < 0.6:
        mobile = rng.random() < 0.8
        number = f"+33{6 if mobile else 1}{customer_id % 100_000_000:08d}"
        points.append(("phone", number, "mobile" if mobile else "landline", rng.random() < 0.7))
    if rng.random() < 0.7:
        postcode, town = rng.choice(TOWNS)
        points.append(("postal", f"{rng.randrange(1, 200)} {rng.choice(STREETS)}\n{postcode} {town}", "", False))
    if rng.random() < 0.2:
        points.append(("app", f"app-install-{customer_id}", "", True))
    usable = _usable(points)

    subscriptions: dict[tuple[TopicRow, str], str] = {}
    topic_settings: dict[str, dict[str, Any]] = {}
    for topic in topics:
        if topic.kind == "marketing":
            for channel in topic.allowed_channels:
                if customer["marketing_objection"]:
                    if rng.random() < 0.3:
                        subscriptions[(topic, channel)] = "out"
                    continue
                roll = rng.random()
                if channel in usable and roll < 0.25:
                    subscriptions[(topic, channel)] = "in"
                elif channel in usable and channel in PRIOR_OPTIN_CHANNELS and roll < 0.28:
                    subscriptions[(topic, channel)] = "pending"
                elif roll < 0.4:
                    subscriptions[(topic, channel)] = "out"
        else:
            for channel in topic.allowed_channels:
                if channel not in topic.default_channels and channel in usable and rng.random() < 0.15:
                    subscriptions[(topic, channel)] = "in"
            if topic.paper_copy_available and "postal" in usable and rng.random() < 0.3:
                topic_settings.setdefault(topic.code, {})["paper_copy"] = True
            if topic.kind == "critical" and rng.random() < 0.1:
                topic_settings.setdefault(topic.code, {})["delivery_mode"] = "all"
        if rng.random() < 0.05:
            topic_settings.setdefault(topic.code, {})["ai_level"] = "human_only"

    # The ledger: the initial state, as customer_create records it, then the customer's choices.
    events: list[tuple] = []  # (occurred_at, key, old, new, actor_type, source)
    initial = {
        "language": language,
        "channel_ranking": list(DEFAULT_CHANNEL_RANKING),
        "ai_default": "human_reviewed",
        "assistance_mode": "bot_ok",
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "time_zone": "Europe/Paris",
        "weekly_marketing_cap": None,
        "large_print": False,
        "plain_text_email": False,
        "easy_read": False,
        "marketing_objection": False,
    }
    for name, value in initial.items():
        events.append((created, str(SettingKey.customer(name)), None, value, "system", "import"))
    for index, (kind, value, phone_type, verified) in enumerate(points):
        state = {"kind": kind, "value": value, "phone_type": phone_type, "verified": verified}
        events.append((created, f"contact_point.{{{index}}}", None, state, "system", "import"))
    changed = created + timedelta(days=rng.randrange(0, 300))
    changes = 0
    for name, value in customer.items():
        if value != initial[name]:
            events.append((changed, str(SettingKey.customer(name)), initial[name], value, "customer", "portal"))
            changes = 1
    for topic_code, settings in topic_settings.items():
        for name, value in settings.items():
            events.append((changed, str(SettingKey.topic(topic_code, name)), None, value, "customer", "portal"))
            changes = 1
    for (topic, channel), status in subscriptions.items():
        old = "in" if channel in topic.default_channels else "out"
        actor, source = ("api_client", "api") if status == "pending" else ("customer", "portal")
        events.append((changed, str(SettingKey.subscription(topic.code, channel)), old, status, actor, source))
        changes = 1
    version = 1 + changes + rng.randrange(0, 3) * changes
    updated = changed if changes else created

    row = (
        customer_id, f"{external_prefix}{customer_id:08d}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES),
        language, _json(ranking), customer["ai_default"], customer["assistance_mode"], customer["quiet_hours_start"],
        customer["quiet_hours_end"], customer["time_zone"], customer["weekly_marketing_cap"], customer["large_print"],
        customer["plain_text_email"], customer["easy_read"], customer["marketing_objection"], _json(topic_settings),
        version, created.isoformat(), updated.isoformat(),
    )
    point_rows = [
        (kind, value, phone_type, created.isoformat() if verified else None, created.isoformat())
        for kind, value, phone_type, verified in points
    ]
    subscription_rows = [(topic.id, channel, status, changed.isoformat()) for (topic, channel), status in subscriptions.items()]
    return row, point_rows, subscription_rows, events


def _chunks(
    *, first_id: int, count: int, first_point_id: int, seed: int, topics: list[TopicRow], now: datetime,
    external_prefix: str, counts: dict[str, int],
) -> Iterator[tuple[str, str, str, str]]:
    """COPY text for customers, contact points, subscriptions and events, CHUNK customers at a time."""
    rng = random.Random(seed)
    point_id = first_point_id
    for start in range(first_id, first_id + count, CHUNK):
        customers, points, subscriptions, events = [], [], [], []
        for customer_id in range(start, min(start + CHUNK, first_id + count)):
            row, point_rows, subscription_rows, event_rows = customer_rows(
                customer_id, rng=rng, topics=topics, now=now, external_prefix=external_prefix
            )
            customers.append(copy_line(row))
            point_ids = []
            for point in point_rows:
                points.append(copy_line((point_id, customer_id, *point)))
                point_ids.append(point_id)
                point_id += 1
            for subscription in subscription_rows:
                subscriptions.append(copy_line((customer_id, *subscription)))
            for occurred_at, key, old, new, actor_type, source in event_rows:
                if key.startswith("contact_point.{"):
                    key = f"contact_point.{point_ids[int(key[15:-1])]}"
                events.append(copy_line((
                    customer_id, occurred_at.isoformat(), key, _json(old), _json(new), actor_type,
                    "bench" if actor_type != "customer" else "", source, "", "", "", 1, 1, "", "",
                )))
        counts["customers"] += len(customers)
        counts["contact_points"] += len(points)
        counts["subscriptions"] += len(subscriptions)
        counts["consent_events"] += len(events)
        yield "".join(customers), "".join(points), "".join(subscriptions), "".join(events)


def _sequence_reset(cursor: psycopg.Cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"  # noqa: S608 - table names are constants  # nosec B608
    )


def dataset_load(
    conn: psycopg.Connection,
    *,
    customers: int,
    seed: int = 2026,
    external_prefix: str = EXTERNAL_ID_PREFIX,
    commit: bool = True,
) -> LoadResult:
    """Append `customers` generated customers (and their rows) after the existing ones, with COPY.

    `commit=False` leaves the transaction to the caller (a test inside Django's test transaction).
    """
    started = time.perf_counter()
    topics = topics_get(conn)
    now = datetime.now(UTC)
    counts = {"customers": 0, "contact_points": 0, "subscriptions": 0, "consent_events": 0}
    with conn.cursor() as cursor:
        first_id = cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM preferences_customer").fetchone()[0]
        first_point_id = cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM preferences_contactpoint").fetchone()[0]
        for customer_text, point_text, subscription_text, event_text in _chunks(
            first_id=first_id, count=customers, first_point_id=first_point_id, seed=seed, topics=topics, now=now,
            external_prefix=external_prefix, counts=counts,
        ):
            copy_text(cursor, "preferences_customer", CUSTOMER_COLUMNS, customer_text)
            copy_text(cursor, "preferences_contactpoint", CONTACT_POINT_COLUMNS, point_text)
            copy_text(cursor, "preferences_subscription", SUBSCRIPTION_COLUMNS, subscription_text)
            copy_text(cursor, "preferences_consentevent", EVENT_COLUMNS, event_text)
        for table in ("preferences_customer", "preferences_contactpoint"):
            _sequence_reset(cursor, table)
    if commit:
        conn.commit()
    return LoadResult(
        customers=customers, first_id=first_id, last_id=first_id + customers - 1, rows=counts,
        seconds=time.perf_counter() - started,
    )


SENDER = "bench-mailer"


def sends_refresh(
    conn: psycopg.Connection, *, first_id: int, last_id: int, share: float = 0.3, seed: int = 7
) -> int:
    """Marketing messages reported sent in the last six days to `share` of the customers (one to three
    each, by email), so that contact plans read a realistic week for the weekly cap. Written again at
    each run (the week moves on); returns how many."""
    now = datetime.now(UTC)
    rng = random.Random(seed)
    marketing = [topic.id for topic in topics_get(conn) if topic.kind == "marketing"]
    with conn.transaction(), conn.cursor() as cursor:
        client = cursor.execute("SELECT id FROM api_apiclient WHERE name = %s", (SENDER,)).fetchone()
        if client is None:
            client = cursor.execute(
                "INSERT INTO api_apiclient (name, scopes, rate_limit_per_minute, is_demo, created_at) "
                "VALUES (%s, %s, 0, false, %s) RETURNING id",
                (SENDER, psycopg.types.json.Jsonb(["sends:write"]), now),
            ).fetchone()
        cursor.execute("DELETE FROM api_send WHERE client_id = %s", (client[0],))
        count = 0
        with copy_from(cursor, "api_send", SEND_COLUMNS) as copy:
            for customer_id in range(first_id, last_id + 1):
                if rng.random() >= share:
                    continue
                for _ in range(rng.randint(1, 3)):
                    sent_at = now - timedelta(seconds=rng.randint(3600, 6 * 86400))
                    copy.write_row((client[0], customer_id, rng.choice(marketing), "email", sent_at, rng.random() < 0.3,
                                    f"bench-{customer_id}-{count}", now))
                    count += 1
    return count


def bench_customer_count(conn: psycopg.Connection, external_prefix: str = EXTERNAL_ID_PREFIX) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM preferences_customer WHERE external_id LIKE %s", (f"{external_prefix}%",)
    ).fetchone()[0]
