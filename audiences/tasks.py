"""Celery tasks of audiences: run one chunk; the periodic sweep (lost chunks, missed completions, purge)."""

from celery import shared_task

from audiences import chunks, sweep


@shared_task(name="audiences.tasks.audience_chunk_run")
def audience_chunk_run(chunk_id: int) -> bool:
    return chunks.audience_chunk_run(chunk_id=chunk_id)


@shared_task(name="audiences.tasks.audiences_sweep")
def audiences_sweep() -> dict[str, int]:
    return sweep.audiences_sweep()
