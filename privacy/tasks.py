"""Celery tasks of data rights: build an export, purge expired ones."""

from celery import shared_task

from privacy import services


@shared_task(name="privacy.tasks.data_export_build")
def data_export_build(export_id: int) -> None:
    services.data_export_build(export_id=export_id)


@shared_task(name="privacy.tasks.data_exports_purge")
def data_exports_purge() -> int:
    """Beat job: exports are kept DATA_EXPORT_KEEP_DAYS, then deleted."""
    return services.data_exports_purge()
