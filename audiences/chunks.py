"""Running one chunk of an audience: take it under a lease, decide every customer of its id range with
the single plan's code (preferences.plans.contact_plans_for_documents), fed a thousand documents at a
time from one streamed statement (on the read replica when one is configured and has caught up), write
its part of the file (a gzip member of NDJSON lines), extend the lease as it goes (the heartbeat), and
finish it only if the lease is still its own."""

import gzip
import io
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from audiences import hooks
from audiences.counts import AudienceCounts
from audiences.models import AudienceChunk, AudienceJob
from audiences.services import audience_complete_if_done
from common.collector import collection_paused
from common.replica import replica_read_alias
from preferences.catalog import catalog_get
from preferences.contact_plan import ContactPlan
from preferences.document import PreferenceDocument
from preferences.documents_pg import preference_documents_range
from preferences.plans import contact_plans_for_documents

logger = logging.getLogger(__name__)

BATCH = 1000  # documents decided at once: one marketing-sends query, one heartbeat each


def _lease_until():
    return timezone.now() + timedelta(seconds=settings.AUDIENCE_CHUNK_LEASE_SECONDS)


def chunk_claim(*, chunk_id: int) -> int | None:
    """Take the chunk if it waits for a worker or its worker's lease ran out (the worker was lost):
    one conditional UPDATE, so two workers never hold it at once. Returns the attempt now running."""
    now = timezone.now()
    taken = AudienceChunk.objects.filter(
        Q(status=AudienceChunk.Status.PENDING) | Q(status=AudienceChunk.Status.RUNNING, lease_until__lt=now),
        pk=chunk_id,
        attempts__lt=settings.AUDIENCE_CHUNK_MAX_ATTEMPTS,
        job__status__in=(AudienceJob.Status.PENDING, AudienceJob.Status.RUNNING),
    ).update(
        status=AudienceChunk.Status.RUNNING, attempts=F("attempts") + 1, lease_until=_lease_until(), done=0, counts={}
    )
    if not taken:
        return None
    return AudienceChunk.objects.filter(pk=chunk_id).values_list("attempts", flat=True).first()


def audience_chunk_run(*, chunk_id: int) -> bool:
    """Run one chunk if it can be taken; True when this call finished it."""
    attempt = chunk_claim(chunk_id=chunk_id)
    if attempt is None:
        return False
    chunk = AudienceChunk.objects.select_related("job").defer("content").get(pk=chunk_id)
    job = chunk.job
    AudienceJob.objects.filter(pk=job.pk, status=AudienceJob.Status.PENDING).update(status=AudienceJob.Status.RUNNING)
    try:
        finished = _chunk_write(chunk, job, attempt)
    except Exception:
        # Given back at once (not left to its lease): the sweep queues it again, up to the attempts allowed.
        logger.exception("Chunk %s of audience %s failed (attempt %s).", chunk.index, job.pk, attempt)
        AudienceChunk.objects.filter(pk=chunk_id, attempts=attempt, status=AudienceChunk.Status.RUNNING).update(
            lease_until=timezone.now()
        )
        return False
    if finished:
        audience_complete_if_done(job_id=job.pk)
    return finished


def _listed(job: AudienceJob, document: PreferenceDocument, plan: ContactPlan) -> bool | None:
    """Whether the customer goes in the file; None when the channel filter leaves them out altogether
    (not reachable on any of the channels asked for: not counted either)."""
    if job.channels and not document.usable_channels().intersection(job.channels):
        return None
    if job.include == AudienceJob.Include.ALL:
        return True
    return plan.allowed and (not job.channels or any(item.channel in job.channels for item in plan.channels))


def _chunk_write(chunk: AudienceChunk, job: AudienceJob, attempt: int) -> bool:
    # The customers and their sends are read from the read replica where one is configured and has
    # caught up with this moment (every change and erasure committed before it), else from the primary.
    # The chunk's own rows (lease, progress, file) are always written to the primary.
    mine = AudienceChunk.objects.filter(pk=chunk.pk, attempts=attempt, status=AudienceChunk.Status.RUNNING)
    source = replica_read_alias()
    try:
        written = _chunk_part(chunk, job, mine, source)
    except DatabaseError:
        if source == DEFAULT_DB_ALIAS:
            raise
        # A standby cancels a query that holds back its replay for longer than max_standby_streaming_delay
        # (a conflict with recovery), and may fail or restart like any server: the same attempt reads the
        # primary from the chunk's start, instead of failing and reading the same standby when taken again.
        logger.warning(
            "Chunk %s of audience %s: the read replica failed, reading from the primary.", chunk.index, job.pk,
            exc_info=True,
        )
        connections[source].close()  # a new connection next time, not this one
        written = _chunk_part(chunk, job, mine, DEFAULT_DB_ALIAS)
    if written is None:
        return False
    done, counts, content = written
    return bool(
        mine.update(status=AudienceChunk.Status.DONE, done=done, counts=counts, content=content, lease_until=None)
    )


def _chunk_part(
    chunk: AudienceChunk, job: AudienceJob, mine: QuerySet, source: str
) -> tuple[int, dict, bytes] | None:
    """Decide the chunk's customers read from `source`: (customers done, counts, its gzip member), or
    None when its lease went to another worker meanwhile."""
    topic = next(topic for topic in catalog_get().topics if topic.pk == job.topic_id)
    counts = AudienceCounts()
    done = 0  # customers decided (the channel filter may leave some out of the counts)
    buffer = io.BytesIO()
    # mtime=0: the same customers give the same bytes, whichever worker and whenever. The collector
    # waits for the chunk's end: its documents and plans hold no cycles (common.collector). Level 3:
    # half the compressor's time of level 6 on a chunk's lines (9.7 against 20 ms for 10,000 customers,
    # 4.9 MB of NDJSON), for a part 1.4 times as large (246 against 179 KB; level 1 saves no more time
    # and gives 274 KB). Members of any level make one gzip file.
    with collection_paused(), gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=3, mtime=0) as part:
        documents_batches = preference_documents_range(
            id_from=chunk.id_from,
            id_to=chunk.id_to,
            language=job.language,
            updated_since=job.updated_since,
            batch_size=BATCH,
            using=source,
        )
        for documents in documents_batches:
            plans = contact_plans_for_documents(
                documents=documents,
                topic=topic,
                ai_generated=job.ai_generated,
                at=job.at,
                marketing_sends_get=partial(hooks.marketing_sends_get, using=source),
            )
            done += len(documents)
            lines = []
            for document, item in zip(documents, plans, strict=True):
                listed = _listed(job, document, item.plan)
                if listed is None:
                    continue
                counts.add(item.plan, listed=listed)
                if listed:
                    lines.append(hooks.plan_line(item.plan, external_id=item.external_id, personal=job.personal))
            if lines:
                part.write(("\n".join(lines) + "\n").encode())
            # The heartbeat, with the progress: nothing written means the lease went to another worker.
            if not mine.update(done=done, counts=counts.as_dict(), lease_until=_lease_until()):
                logger.warning("Chunk %s of audience %s: lease lost, left to its new worker.", chunk.index, job.pk)
                return None
    return done, counts.as_dict(), buffer.getvalue()
