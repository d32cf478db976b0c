"""A whole audience job in one worker process, against PostgreSQL writing the same rows to a file.

Run as a subprocess (`python -m bench.audience [--memory]`) under portal.settings.bench, on the
database BENCH_DATABASE_URL names, so that time and peak memory belong to this job alone. The job is
what POST /api/v1/audiences starts (offers, AI-written, everyone with their reasons, addresses): the
service creates it, this process takes every chunk as a worker would, then writes the file out.

The floor: `COPY (SELECT …) TO STDOUT` of the same rows (each customer with its subscriptions and
contact points, the statement a chunk streams) into a file. With --memory, tracemalloc follows the
job (it slows Python down, so the timing run goes without it). With --workers N the chunks are taken
by N processes started beforehand, as N Celery pool processes would take them (each claims chunks
with the same lease, so none is run twice), and the time runs from the job's creation to its file.
"""

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import tracemalloc

import django
import psycopg


def _worker(ready, chunk_ids, done) -> None:
    """One worker process: Django loaded and its start-up objects frozen (as portal.celery does for each
    pool process), then every chunk it can claim from the list it is handed."""
    django.setup()
    # Imported here: a spawned process loads the models only after django.setup().
    from audiences.chunks import audience_chunk_run
    from common.collector import startup_objects_freeze

    startup_objects_freeze()
    ready.put(os.getpid())
    for chunk_id in chunk_ids.get():
        audience_chunk_run(chunk_id=chunk_id)
    done.put(os.getpid())


def audience_run(*, memory: bool, workers: int = 1) -> dict:
    # Imported here, not at the top: this module runs as a script, and models load only after django.setup().
    from django.conf import settings
    from django.utils import timezone

    from audiences.chunks import audience_chunk_run
    from audiences.models import AudienceChunk, AudienceJob
    from audiences.selectors import audience_file_parts
    from audiences.services import audience_create
    from preferences.catalog import catalog_get

    pool = []
    if workers > 1:
        context = multiprocessing.get_context("spawn")
        ready, chunk_ids, done = context.Queue(), context.Queue(), context.Queue()
        pool = [context.Process(target=_worker, args=(ready, chunk_ids, done)) for _ in range(workers)]
        for process in pool:
            process.start()
        for _ in pool:
            ready.get(timeout=60)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    job = audience_create(
        requested_by_type="bench",
        requested_by_id=str(os.getpid()),  # never held back by an earlier run's limit
        topic=catalog_get().topics_by_code["offers"],
        ai_generated=True,
        at=timezone.now(),
        include=AudienceJob.Include.ALL,
        personal=True,
    )
    ids = list(AudienceChunk.objects.filter(job=job).order_by("index").values_list("pk", flat=True))
    if pool:
        for _ in pool:
            chunk_ids.put(ids)
        for _ in pool:
            done.get(timeout=3600)
        for process in pool:
            process.join()
    else:
        for chunk_id in ids:
            audience_chunk_run(chunk_id=chunk_id)
    size = 0
    with tempfile.TemporaryFile() as out:
        for part in audience_file_parts(job_id=job.pk):
            size += out.write(part)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    if memory:
        tracemalloc.stop()
    job.refresh_from_db()
    result = {
        "customers": job.done,
        "chunks": AudienceChunk.objects.filter(job=job).count(),
        "chunk_customers": settings.AUDIENCE_CHUNK_CUSTOMERS,
        "workers": workers,
        "replica": "replica" in settings.DATABASES,  # chunks read a standby once caught up (BENCH_REPLICA_URL)
        "status": job.status,
        "file_bytes": size,
        "seconds": seconds,
        "tracemalloc_peak_bytes": peak,
        "maxrss_growth_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before,
    }
    job.delete()  # the benchmark leaves no file behind
    if not memory:
        result["floor_seconds"], result["floor_bytes"] = copy_floor()
    return result


def copy_floor() -> tuple[float, int]:
    """PostgreSQL writing the same rows (the one-query documents of every customer) into a file."""
    from django.conf import settings

    from preferences.documents_pg import _DOCUMENTS_SQL  # the statement a chunk streams, without its range

    size = 0
    with psycopg.connect(settings.BENCH_DATABASE_URL) as conn, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY ({_DOCUMENTS_SQL} TRUE ORDER BY c.id) TO STDOUT") as copy:
            for block in copy:
                size += out.write(block)
        return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory", action="store_true", help="Follow the peak memory (slower).")
    parser.add_argument("--workers", type=int, default=1, help="Worker processes taking the chunks.")
    args = parser.parse_args()
    if args.memory and args.workers != 1:
        parser.error("--memory follows one worker: the job's own process")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    django.setup()
    from common.collector import startup_objects_freeze  # as the worker processes: after django.setup()

    startup_objects_freeze()
    json.dump(audience_run(memory=args.memory, workers=args.workers), sys.stdout)


if __name__ == "__main__":
    main()
