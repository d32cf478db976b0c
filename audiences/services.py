"""Audience jobs: create one (its chunks by customer-id range, queued on commit), complete it when
its last chunk is done, delete it with its files after its keeping time. Chunks are run by
audiences.chunks; the periodic sweep that takes lost chunks again is audiences.sweep."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.counts import counts_merge
from audiences.models import AudienceChunk, AudienceJob
from common.db import is_postgresql
from common.tasks import task_queue
from preferences.models import Customer

logger = logging.getLogger(__name__)

CHUNK_TASK = "audiences.tasks.audience_chunk_run"


class AudienceLimitReached(Exception):
    """The requester already has as many jobs in progress as allowed (AUDIENCE_MAX_JOBS_PER_CLIENT)."""


def audience_customers(*, language: str = "", updated_since: datetime | None = None):
    """The customers an audience with these filters examines: every one whose data is not erased."""
    customers = Customer.objects.filter(erased_at__isnull=True)
    if language:
        customers = customers.filter(language=language)
    if updated_since is not None:
        customers = customers.filter(updated_at__gte=updated_since)
    return customers


def audience_create(
    *,
    requested_by_type: str,
    requested_by_id: str,
    topic,
    ai_generated: bool,
    at: datetime,
    include: str,
    personal: bool,
    channels: Sequence[str] = (),
    language: str = "",
    updated_since: datetime | None = None,
    chunk_size: int | None = None,
) -> AudienceJob:
    """Create a job and its chunks (customer-id ranges of `chunk_size` ids) and queue them on commit.
    Raises AudienceLimitReached when the requester has AUDIENCE_MAX_JOBS_PER_CLIENT jobs in progress."""
    chunk_size = chunk_size or settings.AUDIENCE_CHUNK_CUSTOMERS
    now = timezone.now()
    with transaction.atomic():
        _requester_lock(f"{requested_by_type}:{requested_by_id}")
        in_progress = AudienceJob.objects.filter(
            requested_by_type=requested_by_type,
            requested_by_id=requested_by_id,
            status__in=(AudienceJob.Status.PENDING, AudienceJob.Status.RUNNING),
        ).count()
        if in_progress >= settings.AUDIENCE_MAX_JOBS_PER_CLIENT:
            raise AudienceLimitReached(
                _("%(count)s audiences are already being prepared for this client: wait until one is ready.")
                % {"count": in_progress}
            )
        bounds = audience_customers(language=language, updated_since=updated_since).aggregate(
            low=Min("pk"), high=Max("pk"), total=Count("pk")
        )
        job = AudienceJob.objects.create(
            requested_by_type=requested_by_type,
            requested_by_id=requested_by_id,
            topic=topic,
            ai_generated=ai_generated,
            at=at,
            include=include,
            channels=list(channels),
            language=language,
            updated_since=updated_since,
            personal=personal,
            total=bounds["total"],
            expires_at=now + timedelta(hours=settings.AUDIENCE_KEEP_HOURS),
        )
        if not bounds["total"]:
            _job_finish(job, done=0, counts=counts_merge([]), now=now)
            return job
        low, high = bounds["low"], bounds["high"] + 1
        AudienceChunk.objects.bulk_create(
            AudienceChunk(job=job, index=index, id_from=start, id_to=min(start + chunk_size, high), queued_at=now)
            for index, start in enumerate(range(low, high, chunk_size))
        )
        transaction.on_commit(lambda: chunks_queue(job_id=job.pk))
    return job


def _requester_lock(requester: str) -> None:
    # Two requests of one client at once must not both pass the limit. SQLite's IMMEDIATE transactions
    # already run one at a time; PostgreSQL takes a lock on the requester until the end of the transaction.
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('audiences'), hashtext(%s))", [requester])


def chunks_queue(*, job_id: int, chunk_ids: Sequence[int] | None = None) -> None:
    """Queue a task per chunk (all the job's pending ones by default). A broker failure only logs: the
    sweep queues chunks left waiting again, and a chunk queued twice is taken once."""
    if chunk_ids is None:
        chunk_ids = list(
            AudienceChunk.objects.filter(job_id=job_id, status=AudienceChunk.Status.PENDING)
            .order_by("index")
            .values_list("pk", flat=True)
        )
    for chunk_id in chunk_ids:
        try:
            task_queue(CHUNK_TASK, chunk_id)
        except Exception:
            logger.warning("Could not queue chunk %s of audience %s; the sweep will.", chunk_id, job_id)
            return


def audience_complete_if_done(*, job_id: int) -> AudienceJob | None:
    """Mark the job ready once every chunk is done, with its totals; None while it is not (or was already)."""
    with transaction.atomic():
        job = (
            AudienceJob.objects.select_for_update()
            .filter(pk=job_id, status__in=(AudienceJob.Status.PENDING, AudienceJob.Status.RUNNING))
            .first()
        )
        if job is None:
            return None
        # Read after the lock (a statement of its own): a chunk finished by another worker that locked
        # the job first is seen done, so that the last of two finishing at once completes the job.
        chunks = list(AudienceChunk.objects.filter(job_id=job_id).values_list("status", "done", "counts"))
        if any(status != AudienceChunk.Status.DONE for status, _done, _counts in chunks):
            return None
        _job_finish(job, done=sum(done for _s, done, _c in chunks), counts=counts_merge(c for _s, _d, c in chunks))
    return job


def _job_finish(job: AudienceJob, *, done: int, counts: dict, now: datetime | None = None) -> None:
    now = now or timezone.now()
    job.status, job.done, job.counts = AudienceJob.Status.READY, done, counts
    job.finished_at, job.expires_at = now, now + timedelta(hours=settings.AUDIENCE_KEEP_HOURS)
    job.save(update_fields=["status", "done", "counts", "finished_at", "expires_at"])
    logger.info("Audience %s ready: %s customers examined, %s listed.", job.pk, done, counts["listed"])


def audience_fail(*, job_id: int) -> None:
    """A chunk failed every attempt: the job fails (its parts are deleted now, nothing half is served)."""
    with transaction.atomic():
        updated = AudienceJob.objects.filter(
            pk=job_id, status__in=(AudienceJob.Status.PENDING, AudienceJob.Status.RUNNING)
        ).update(status=AudienceJob.Status.FAILED, finished_at=timezone.now())
        if updated:
            AudienceChunk.objects.filter(job_id=job_id).update(content=b"")
    logger.error("Audience %s failed: a chunk failed %s times.", job_id, settings.AUDIENCE_CHUNK_MAX_ATTEMPTS)


def audiences_purge(*, now: datetime | None = None) -> int:
    """Delete the files of jobs past their keeping time. The job stays, as the record of the deletion
    (status `deleted`, `deleted_at`, its counts; nothing personal), and is still listed."""
    now = now or timezone.now()
    expired = AudienceJob.objects.filter(expires_at__lte=now).exclude(status=AudienceJob.Status.DELETED)
    purged = 0
    for job_id in expired.values_list("pk", flat=True):
        with transaction.atomic():
            AudienceChunk.objects.filter(job_id=job_id).delete()
            purged += (
                AudienceJob.objects.filter(pk=job_id)
                .exclude(status=AudienceJob.Status.DELETED)
                .update(status=AudienceJob.Status.DELETED, deleted_at=now)
            )
        logger.info("Audience %s deleted after its keeping time.", job_id)
    return purged
