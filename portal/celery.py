"""The Celery app. It reads its settings from Django's (CELERY_*) and finds each app's tasks.py."""

import os

from celery import Celery, signals

from common.collector import startup_objects_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _embedded_broker_folders() -> None:
    """kombu's filesystem transport needs its folders to exist before web or worker use them."""
    from pathlib import Path

    from django.conf import settings

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _on_after_configure(sender, **kwargs) -> None:
    _embedded_broker_folders()


@signals.worker_process_init.connect
def _on_worker_process_init(**kwargs) -> None:
    """Each pool process, once Django is loaded: its start-up objects leave the collector's sight
    (common.collector), so that bulk tasks (audience chunks) do not rescan them on every full pass."""
    startup_objects_freeze()
