"""The benchmark databases: created when missing, migrated, loaded once and reused while they hold
the wanted number of customers; never the development, test or maintenance database."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from api.keys import key_generate, key_hash
from api.models import Scope
from bench.loader import EXTERNAL_ID_PREFIX, LoadResult, bench_customer_count, dataset_load, sends_refresh

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
FORBIDDEN = frozenset({"", "test", "test_test", "postgres", "root", "template0", "template1"})
BENCH_CLIENT = "bench"
BASE_DIR = Path(__file__).resolve().parent.parent


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def url_with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def name_check(url: str) -> None:
    name = database_name(url)
    development = os.environ.get("DATABASE_URL")
    if name in FORBIDDEN or (development and database_name(development) == name and urlsplit(development).netloc == urlsplit(url).netloc):
        raise SystemExit(f"Refusing to use the database {name!r} for benchmark data: name a portal_bench database.")


def _maintenance(url: str) -> psycopg.Connection:
    # Only to CREATE or DROP the benchmark database: nothing is read or written there.
    return psycopg.connect(url_with_name(url, "postgres"), autocommit=True)


def database_exists(url: str) -> bool:
    with _maintenance(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database_name(url),)).fetchone() is not None


def database_create(url: str, *, drop_first: bool = False) -> None:
    name_check(url)
    with _maintenance(url) as conn:
        if drop_first:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url))))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url))))


def database_migrate(url: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench", "BENCH_DATABASE_URL": url}
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True
    )


def dataset_ensure(url: str, *, customers: int, reload: bool = False, log=print) -> LoadResult | None:
    """A database holding exactly `customers` generated customers: reused when it does, else rebuilt."""
    name_check(url)
    exists = database_exists(url)
    if exists and not reload:
        try:
            with psycopg.connect(url) as conn:
                reuse = bench_customer_count(conn) == customers
        except psycopg.Error:
            reuse = False
        if reuse:
            # Migrations added since the data set was loaded (new tables, indexes) apply to it as they
            # would to a deployment's database: the figures are those of the current code.
            database_migrate(url)
            log(f"{database_name(url)}: reusing {customers:,} customers (migrated)")
            return None
    log(f"{database_name(url)}: creating, migrating and loading {customers:,} customers with COPY…")
    database_create(url, drop_first=exists)
    database_migrate(url)
    with psycopg.connect(url) as conn:
        result = dataset_load(conn, customers=customers)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"{database_name(url)}: loaded {result.rows} in {result.seconds:.1f} s")
    return result


def sends_ensure(url: str, *, log=print) -> int:
    """Recent marketing sends for the generated customers (see loader.sends_refresh), written afresh."""
    with psycopg.connect(url, autocommit=True) as conn:
        first, last = conn.execute(
            "SELECT MIN(id), MAX(id) FROM preferences_customer WHERE external_id LIKE %s", (f"{EXTERNAL_ID_PREFIX}%",)
        ).fetchone()
        count = sends_refresh(conn, first_id=first, last_id=last)
        conn.execute("ANALYZE api_send")
    log(f"{database_name(url)}: {count:,} marketing sends in the last week")
    return count


def writes_settle(url: str, *, log=print) -> bool:
    """Write out what loading left in memory and in the WAL before anything is measured.

    Loading a base writes gigabytes of WAL: PostgreSQL then spreads a checkpoint over minutes
    (checkpoint_completion_target), and on a fresh load its writes fell on the reads and changes
    measured next (a change's p99 1.5 s, read growth 1.47x, against 22 ms and 1.10x on the same base a
    few minutes later). A deployment's base is not one minute old: flush it now. Needs a superuser or
    the pg_checkpoint role; without either, the figures are said to include the load's aftermath."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        log(f"{database_name(url)}: no right to CHECKPOINT: the first scenarios may pay for the load's writes")
        return False
    return True


def api_key_issue(url: str) -> str:
    """A fresh key for the benchmark client (every scope, a rate limit no benchmark reaches)."""
    key, prefix = key_generate()
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT id FROM api_apiclient WHERE name = %s", (BENCH_CLIENT,)).fetchone()
        if row is None:
            row = conn.execute(
                "INSERT INTO api_apiclient (name, scopes, rate_limit_per_minute, is_demo, created_at) "
                "VALUES (%s, %s, %s, false, %s) RETURNING id",
                (BENCH_CLIENT, psycopg.types.json.Jsonb(list(Scope.values)), 1_000_000_000, now),
            ).fetchone()
        conn.execute("UPDATE api_apikey SET revoked_at = %s WHERE client_id = %s AND revoked_at IS NULL", (now, row[0]))
        conn.execute(
            "INSERT INTO api_apikey (client_id, prefix, key_hash, created_at) VALUES (%s, %s, %s, %s)",
            (row[0], prefix, key_hash(key), now),
        )
    return key
