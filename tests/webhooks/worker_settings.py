"""Settings of the worker (with embedded beat) and the "web" process of the broker-outage test: the
worker test settings, with the webhook re-drive every second and no other periodic job."""

from portal.settings.worker_test import *  # noqa: F403
from portal.settings.worker_test import CELERY_BEAT_SCHEDULE

CELERY_BEAT_SCHEDULE = {"webhooks-redrive": {**CELERY_BEAT_SCHEDULE["webhooks-redrive"], "schedule": 1.0}}
