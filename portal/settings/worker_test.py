"""A real Celery worker started by a test: the test settings without eager mode, on the test database."""

import os

from portal.settings.test import *  # noqa: F403
from portal.settings.test import CACHES, DATABASES

CELERY_TASK_ALWAYS_EAGER = False
# The test run passes the name of the database it created (test_<name> on PostgreSQL, a file on SQLite).
DATABASES["default"]["NAME"] = os.environ["PORTAL_TEST_DB_NAME"]
# A test that shares the Redis cache with its worker passes the prefix its own cache keys carry.
if os.environ.get("CACHE_KEY_PREFIX"):
    CACHES["default"]["KEY_PREFIX"] = os.environ["CACHE_KEY_PREFIX"]
