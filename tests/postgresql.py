"""The marks of a test module whose writers race each other on PostgreSQL, each in its own thread with
its own connection (row locks, parallel transactions). SQLite serialises writers: skipped there."""

import pytest
from django.db import connection

CONCURRENT_WRITERS = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency needs PostgreSQL (row locks, parallel connections): set DATABASE_URL to run it.",
    ),
]
