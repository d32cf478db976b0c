"""Finding customers at the bench's size: the console's search (by part of a name, an email address,
a phone number or an external id) and the API's customer list (by external id, email, phone, date of
change), each query timed on its own.

Run as a subprocess (`python -m bench.lookups --customers N`) under portal.settings.bench, on the
database BENCH_DATABASE_URL names. The search is timed at the selector (support.selectors, what the
console page runs before rendering 50 rows); the list through the whole API stack in process
(django.test.Client with an API key: authentication, throttle, serializer, the selector, rendering).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time

import django

QUERIES = 200  # of each kind


def _percentiles(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {
        "count": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def search_queries(rng: random.Random, customers: int) -> list[tuple[str, str]]:
    """(kind, query) pairs as agents type them."""
    # Imported here, as in bench.stream: this module runs as a script, models load after django.setup().
    from bench.loader import EXTERNAL_ID_PREFIX, FIRST_NAMES, LAST_NAMES

    queries = []
    for _ in range(QUERIES // 5):
        last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
        customer_id = rng.randint(1, customers)
        queries += [
            ("part of a name", last[: rng.randint(3, 5)].lower()),
            ("first and last name", f"{first} {last}"),
            ("part of an email", f"client{customer_id}@"),
            ("part of a phone number", f"06 {customer_id % 100:02d} {customer_id // 100 % 100:02d} {customer_id // 10_000 % 100:02d}"),
            ("part of an external id", f"{EXTERNAL_ID_PREFIX}{customer_id:08d}"[2:]),
        ]
    return queries


def search_measure(customers: int, seed: int = 7) -> dict:
    # Imported here: models load only after django.setup().
    from support.selectors import customer_search

    rng = random.Random(seed)
    queries = search_queries(rng, customers)
    for _kind, query in queries[:10]:  # warm-up: connection, plans, buffers
        customer_search(query=query)
    timings: dict[str, list[float]] = {}
    found = 0
    for kind, query in queries:
        started = time.perf_counter()
        found += bool(customer_search(query=query))
        timings.setdefault(kind, []).append(time.perf_counter() - started)
    every = [t for values in timings.values() for t in values]
    return {**_percentiles(every), "found_share": found / len(queries),
            "by_kind": {kind: _percentiles(values) for kind, values in timings.items()}}


def list_measure(customers: int, seed: int = 8) -> dict:
    # Imported here: models load only after django.setup().
    from django.conf import settings
    from django.test import Client

    from bench.database import api_key_issue
    from bench.loader import EXTERNAL_ID_PREFIX

    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key_issue(settings.BENCH_DATABASE_URL)}", HTTP_HOST="127.0.0.1")
    rng = random.Random(seed)
    paths = []
    for _ in range(QUERIES // 4):
        customer_id = rng.randint(1, customers)
        paths += [
            ("external id", f"/api/v1/customers?external_id={EXTERNAL_ID_PREFIX}{customer_id:08d}"),
            ("email", f"/api/v1/customers?email=client{customer_id}%40example.net"),
            ("phone", f"/api/v1/customers?phone=%2B336{customer_id % 100_000_000:08d}"),
            ("changed since, a page of 100", f"/api/v1/customers?updated_after=2020-01-01T00:00:00Z&limit=100"
                                            f"&after={rng.randint(0, customers)}"),
        ]
    for _kind, path in paths[:8]:
        client.get(path)
    timings: dict[str, list[float]] = {}
    for kind, path in paths:
        started = time.perf_counter()
        response = client.get(path)
        timings.setdefault(kind, []).append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.content[:200]!r}")
    every = [t for values in timings.values() for t in values]
    return {**_percentiles(every), "by_kind": {kind: _percentiles(values) for kind, values in timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, required=True, help="Customers in the data set (ids 1…N).")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    django.setup()
    json.dump({"search": search_measure(args.customers), "list": list_measure(args.customers)}, sys.stdout)


if __name__ == "__main__":
    main()
