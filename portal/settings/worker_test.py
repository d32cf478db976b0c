"""A real Celery worker started by a test: the test settings without eager mode."""

from portal.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
