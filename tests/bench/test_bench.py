"""The benchmark's loader and report: a tiny data set loaded with COPY into the test database."""

import json

import pytest
from django.db import connection

from bench import report
from bench.loader import dataset_load
from preferences.catalog import catalog_get
from preferences.contact_plan import contact_plan_decide
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, ContactPoint, Customer, Subscription
from preferences.selectors import preference_document_get


@pytest.fixture
def psycopg_connection(db):
    if connection.vendor != "postgresql":
        pytest.skip("The benchmark loader writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database.")
    connection.ensure_connection()
    return connection.connection


@pytest.mark.postgres
def test_loader_writes_realistic_customers_with_copy(psycopg_connection, django_assert_max_num_queries):
    result = dataset_load(psycopg_connection, customers=200, commit=False, external_prefix="BENCHTEST-")

    loaded = Customer.objects.filter(external_id__startswith="BENCHTEST-")
    assert loaded.count() == 200 == result.customers
    assert ContactPoint.objects.filter(customer__in=loaded).count() == result.rows["contact_points"] > 200
    assert Subscription.objects.filter(customer__in=loaded).count() == result.rows["subscriptions"] > 0
    events = ConsentEvent.objects.filter(customer__in=loaded)
    assert events.count() == result.rows["consent_events"]
    # Every customer has a ledger: at least the initial state.
    assert events.values("customer_id").distinct().count() == 200
    # Each contact point event names a real contact point of its customer.
    point = ContactPoint.objects.filter(customer__in=loaded).first()
    assert events.filter(customer_id=point.customer_id, key=f"contact_point.{point.pk}").exists()

    # Documents read and plans decide like any other customer's.
    topic = catalog_get().topics_by_code["offers"]
    with django_assert_max_num_queries(3):
        document = preference_document_get(customer_id=result.first_id)
    plan = contact_plan_decide(document=document, topic=topic, ai_generated=False, at=document.customer.created_at,
                               marketing_sent_at=())
    assert plan.customer_id == result.first_id

    # The sequences moved past the copied ids: the services still create customers.
    customer = customer_create(context=ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT), email="x@example.org")
    assert customer.pk > result.last_id


def _load(rps: float, p50: float) -> dict:
    return {"rps": rps, "p50_ms": p50, "p99_ms": p50 * 3, "requests": int(rps * 5), "errors": 0}


def _raw(runs: list[dict]) -> dict:
    return {
        "customers": 200, "customers_small": 100, "load_runs": runs,
        "bulk_plan": {"app_ms": 60.0, "floor_ms": 30.0, "ratio": 2.0, "rows": 1000, "runs": 3},
        "import": {"app_ms": 900.0, "floor_ms": 30.0, "ratio": 30.0, "rows": 1000, "runs": 3},
        "stream": {
            "small": {"events": 5000, "tracemalloc_peak_bytes": 7_000_000, "maxrss_growth_kib": 0},
            "large": {"events": 50000, "tracemalloc_peak_bytes": 7_100_000, "maxrss_growth_kib": 0},
        },
        "audience": {
            "full": {"customers": 200, "chunks": 1, "workers": 2, "seconds": 2.0, "floor_seconds": 0.5,
                     "tracemalloc_peak_bytes": 0, "maxrss_growth_kib": 0},
            "one_worker": {"customers": 200, "chunks": 1, "workers": 1, "seconds": 3.0, "floor_seconds": 0.5,
                           "tracemalloc_peak_bytes": 0, "maxrss_growth_kib": 0},
            "memory_small": {"customers": 100, "chunks": 1, "tracemalloc_peak_bytes": 9_000_000, "maxrss_growth_kib": 0},
            "memory_full": {"customers": 200, "chunks": 1, "tracemalloc_peak_bytes": 9_900_000, "maxrss_growth_kib": 0},
        },
        "lookups": {
            "search": {"count": 200, "p50_ms": 8.0, "p95_ms": 40.0, "max_ms": 60.0,
                       "by_kind": {"part of a name": {"count": 40, "p50_ms": 20.0, "p95_ms": 40.0, "max_ms": 60.0}}},
            "list": {"count": 200, "p50_ms": 2.0, "p95_ms": 120.0, "max_ms": 130.0,
                     "by_kind": {"email": {"count": 50, "p50_ms": 2.0, "p95_ms": 120.0, "max_ms": 130.0}}},
        },
    }


def test_json_has_every_figure_and_the_raw_measurements(tmp_path):
    run = {"ceiling": _load(2000, 1.0), "read": _load(1200, 2.0), "plan": _load(1100, 2.1), "change": _load(500, 4.0),
           "read_small": _load(1250, 1.9)}
    raw = _raw([run, run])
    figures = report.figures(raw)
    path = tmp_path / "bench.json"
    report.json_write(str(path), raw, figures)

    body = json.loads(path.read_text())
    for key in ("read_ratio", "plan_ratio", "write_ratio", "bulk_plan_vs_raw", "read_growth", "import_vs_copy",
                "stream_memory_growth", "audience_vs_copy", "audience_memory_growth"):
        assert isinstance(body[key], float), key
    assert body["audience_vs_copy"] == 4.0 and body["targets_hold"]["audience_vs_copy"] is False
    assert body["audience_memory_growth"] == 1.1 and body["targets_hold"]["audience_memory_growth"] is True
    assert "audience worker peak memory" in report.table(raw, figures)
    assert body["audience_one_worker_vs_copy"] == 6.0 and body["audience_workers_speedup"] == 1.5
    assert "audience job, 2 workers" in report.table(raw, figures)
    assert "the same job, one worker" in report.table(raw, figures)
    assert body["targets_hold"]["search_p95_ms"] is True and body["targets_hold"]["customer_list_p95_ms"] is False
    assert "slowest kind: email (p95 120.0 ms)" in report.table(raw, figures)
    assert body["read_ratio"] == 0.6 and body["targets_hold"]["read_ratio"] is True
    assert body["targets_hold"]["import_vs_copy"] is False
    assert body["raw"]["load_runs"][0]["ceiling"]["rps"] == 2000
    assert "single document read" in report.table(raw, figures)


def test_each_ratio_is_against_the_ceilings_measured_just_before_and_after_it():
    ceilings = [_load(2000, 1.0), _load(2400, 1.0), _load(1600, 1.0), _load(1000, 1.0)]
    run = {
        "ceiling": ceilings[0], "ceilings": ceilings, "read_small": _load(1250, 1.9),
        "read": {**_load(1100, 2.0), "ceiling_rps": [2000, 2400]},
        "plan": {**_load(1000, 2.1), "ceiling_rps": [2400, 1600]},
        "change": {**_load(260, 4.0), "ceiling_rps": [1600, 1000]},
    }
    figures = report.figures(_raw([run]))
    assert figures["read_ratio"] == 0.5 and figures["plan_ratio"] == 0.5 and figures["write_ratio"] == 0.2
    assert figures["ceiling_rps"] == 1800  # the median of the four
    table = report.table(_raw([run]), figures)
    assert "trivial JSON view (ceiling, 4 measures)" in table and "1,800 req/s [1000.00–2400.00]" in table


@pytest.mark.postgres
def test_recent_marketing_sends_count_towards_the_weekly_cap(psycopg_connection):
    from api.models import Send
    from bench.loader import sends_refresh

    result = dataset_load(psycopg_connection, customers=50, commit=False, external_prefix="BENCHSENDS-")
    count = sends_refresh(psycopg_connection, first_id=result.first_id, last_id=result.last_id, share=0.5)
    sends = Send.objects.filter(customer_id__gte=result.first_id, customer_id__lte=result.last_id)
    assert sends.count() == count > 0
    assert all(send.topic.kind == "marketing" for send in sends.select_related("topic"))
    # Written again at each run, not added to.
    assert sends_refresh(psycopg_connection, first_id=result.first_id, last_id=result.last_id, share=0.5) == count
    assert sends.count() == count


def _url_as(user: str) -> str:
    params = connection.settings_dict
    return f"postgres://{user}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"


@pytest.mark.postgres
def test_the_load_s_writes_are_flushed_before_anything_is_measured_or_said_not_to_be(psycopg_connection):
    import uuid

    import psycopg

    from bench.database import writes_settle

    said = []
    assert writes_settle(_url_as(connection.settings_dict["USER"]), log=said.append) is True
    assert said == []
    # A role without the right to CHECKPOINT (neither superuser nor pg_checkpoint): the run goes on and says so.
    role = f"bench_no_checkpoint_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_url_as(connection.settings_dict["USER"]), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        try:
            assert writes_settle(_url_as(role), log=said.append) is False
        finally:
            admin.execute(f"DROP ROLE {role}")
    assert len(said) == 1 and "no right to CHECKPOINT" in said[0]


def test_bench_replica_url_gives_the_audience_a_standby_to_read_and_only_then():
    import os
    import subprocess
    import sys

    show = "from django.conf import settings; print(sorted(settings.DATABASES), settings.DATABASES.get('replica', {}).get('PORT'))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench"}
    env.pop("BENCH_REPLICA_URL", None)
    without = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True)
    assert without.stdout.split() == ["['default']", "None"]
    env["BENCH_REPLICA_URL"] = "postgres://postgres@127.0.0.1:5433/portal_bench"
    standby = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True)
    assert standby.stdout.split() == ["['default',", "'replica']", "5433"]
