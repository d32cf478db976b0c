"""A whole audience job in one worker process, against PostgreSQL writing the same rows to a file.

Run as a subprocess (`python -m bench.audience [--memory]`) under portal.settings.bench, on the
database BENCH_DATABASE_URL names, so that time and peak memory belong to this job alone. The job is
what POST /api/v1/audiences starts (offers, AI-written, everyone with their reasons, addresses): the
service creates it, this process takes every chunk as a worker would, then writes the file out.

The floor: `COPY (SELECT …) TO STDOUT` of the same rows (each customer with its subscriptions and
contact points, the statement a chunk streams) into a file. With --memory, tracemalloc follows the
job (it slows Python down, so the timing run goes without it).
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc

import django
import psycopg


def audience_run(*, memory: bool) -> dict:
    # Imported here, not at the top: this module runs as a script, and models load only after django.setup().
    from django.conf import settings
    from django.utils import timezone

    from audiences.chunks import audience_chunk_run
    from audiences.models import AudienceChunk, AudienceJob
    from audiences.selectors import audience_file_parts
    from audiences.services import audience_create
    from preferences.catalog import catalog_get

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
    for chunk_id in AudienceChunk.objects.filter(job=job).order_by("index").values_list("pk", flat=True):
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
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    django.setup()
    json.dump(audience_run(memory=args.memory), sys.stdout)


if __name__ == "__main__":
    main()
