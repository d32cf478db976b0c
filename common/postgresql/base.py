"""Django's PostgreSQL backend, with a health check that asks the server only when it has something to say.

Django checks a persistent connection before its first use in each request (CONN_HEALTH_CHECKS) with
`SELECT 1`: a round trip on every request, the ping's cost again on the hot API reads. A connection
idle between requests has nothing to read: the project uses no LISTEN, and every answer is read to its
end. When the server goes away (restart, `pg_terminate_backend`, idle timeout) it sends its last word
(a FATAL error) and closes the socket, which makes the socket readable. So a connection whose socket
has nothing to read, and which libpq still holds as good and idle, is usable; anything else gets
Django's `SELECT 1`, as before. The same test keeps HTTP keep-alive connections in urllib3.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    """The PostgreSQL backend; only `is_usable` differs (tests/api/test_database_health.py)."""

    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        if _quiet_and_idle(self.connection):
            return True
        return super().is_usable()


def _quiet_and_idle(connection) -> bool:
    """Whether libpq holds the connection as good and outside any transaction, with nothing waiting on its socket."""
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)
