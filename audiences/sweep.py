"""The periodic sweep (beat, every AUDIENCE_SWEEP_SECONDS): nothing an audience needs is lost with a
worker, a queue message or a broker. It queues again the chunks whose lease ran out (their worker was
lost) and those never taken for a while (their message was lost), fails a job whose chunk failed every
attempt, completes a job whose last completion was missed, and deletes files past their keeping time."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from audiences.models import AudienceChunk, AudienceJob
from audiences.services import audience_complete_if_done, audience_fail, audiences_purge, chunks_queue

logger = logging.getLogger(__name__)

# A chunk still waiting after this long is queued again: with many chunks and few workers, a chunk
# may well wait its turn that long, and queuing it twice is harmless (the second taking finds it done).
WAITING_REQUEUE = timedelta(minutes=10)


def audiences_sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    in_progress = (AudienceJob.Status.PENDING, AudienceJob.Status.RUNNING)
    chunks = AudienceChunk.objects.filter(job__status__in=in_progress)
    lost = chunks.filter(
        Q(status=AudienceChunk.Status.RUNNING, lease_until__lt=now)
        | Q(status=AudienceChunk.Status.PENDING, queued_at__lt=now - WAITING_REQUEUE)
    )
    requeued, failed_jobs = 0, set()
    for chunk_id, job_id, attempts in lost.values_list("pk", "job_id", "attempts"):
        if attempts >= settings.AUDIENCE_CHUNK_MAX_ATTEMPTS:
            failed_jobs.add(job_id)
            continue
        AudienceChunk.objects.filter(pk=chunk_id).update(queued_at=now)
        logger.warning(
            "Chunk %s of audience %s queued again (attempt %s lost or never taken).", chunk_id, job_id, attempts
        )
        chunks_queue(job_id=job_id, chunk_ids=[chunk_id])
        requeued += 1
    for job_id in failed_jobs:
        audience_fail(job_id=job_id)
    unfinished = AudienceJob.objects.filter(status__in=in_progress).exclude(
        chunks__status__in=(AudienceChunk.Status.PENDING, AudienceChunk.Status.RUNNING, AudienceChunk.Status.FAILED)
    )
    completed = sum(
        audience_complete_if_done(job_id=job_id) is not None for job_id in unfinished.values_list("pk", flat=True)
    )
    return {
        "requeued": requeued,
        "failed": len(failed_jobs),
        "completed": completed,
        "deleted": audiences_purge(now=now),
    }
