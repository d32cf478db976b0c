"""Which database the project runs on: the one place that asks (PostgreSQL in production, SQLite by default)."""

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper


def is_postgresql(connection: BaseDatabaseWrapper | None = None) -> bool:
    """Whether `connection` (the default database's when None) is PostgreSQL, where the project uses its
    own SQL (COPY, arrays, JSON aggregates, transaction ids); everything else takes the portable path."""
    if connection is None:
        connection = default_connection
    return connection.vendor == "postgresql"
