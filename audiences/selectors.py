"""Reading audience jobs: a requester's jobs, a job's progress and counts as they come, its file."""

from collections.abc import Iterator

from audiences.counts import counts_merge
from audiences.models import AudienceChunk, AudienceJob


def audiences_for_requester(*, requested_by_type: str, requested_by_id: str):
    """The jobs this requester asked for (newest first), deleted ones too: the record of their deletion."""
    return AudienceJob.objects.filter(requested_by_type=requested_by_type, requested_by_id=requested_by_id).order_by(
        "-pk"
    )


def audience_progress(job: AudienceJob) -> tuple[int, dict]:
    """Customers examined and the counts so far: the chunks' while the job runs (one query), the job's
    own once it is over."""
    if not job.is_in_progress:
        return job.done, counts_merge([job.counts])
    rows = list(AudienceChunk.objects.filter(job_id=job.pk).values_list("done", "counts"))
    return sum(done for done, _counts in rows), counts_merge(counts for _done, counts in rows)


def audience_file_parts(*, job_id: int) -> Iterator[bytes]:
    """The job's file, gzip-compressed NDJSON: the chunks' parts in order, a few at a time (each part
    is one gzip member; one after another they make one gzip file)."""
    parts = AudienceChunk.objects.filter(job_id=job_id).order_by("index").values_list("content", flat=True)
    for content in parts.iterator(chunk_size=4):
        if content:
            yield bytes(content)
