"""A PostgreSQL read replica (DATABASE_REPLICA_URL) for work that reads much and may start a moment
after the primary: an audience's chunks. Never for an answer that must see a write just made (an API
read after a change, a page after a save): those read the primary.

A chunk reads the replica only once it has replayed everything the primary had written when the chunk
started, so a customer erased, or a choice changed, before that moment is seen as such; the replica is
given a few seconds to get there (REPLICA_MAX_WAIT_SECONDS). A replica that lags longer, cannot be
reached or is not a standby of this primary is not read: the primary is, and the log says why."""

import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

REPLICA = "replica"  # the alias portal.settings.base adds when DATABASE_REPLICA_URL is set
_POLL_SECONDS = 0.05


def replica_read_alias(*, wait_seconds: float | None = None) -> str:
    """The database alias to read from now: the replica when one is configured and has caught up with
    the primary's position at this call (waiting up to `wait_seconds`), else the primary's."""
    if REPLICA not in settings.DATABASES:
        return DEFAULT_DB_ALIAS
    wait = settings.REPLICA_MAX_WAIT_SECONDS if wait_seconds is None else wait_seconds
    caught_up = replica_caught_up(primary=connections[DEFAULT_DB_ALIAS], replica=connections[REPLICA], wait_seconds=wait)
    return REPLICA if caught_up else DEFAULT_DB_ALIAS


def replica_caught_up(*, primary: BaseDatabaseWrapper, replica: BaseDatabaseWrapper, wait_seconds: float) -> bool:
    """Whether `replica` has replayed everything `primary` had written at this call, waiting up to
    `wait_seconds` for it. False (and the log says why) when it lags longer, cannot be reached or is not
    a standby of `primary`. The primary failing is an error of its own: raised."""
    target, primary_identity = _primary_position(primary)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            in_recovery, replayed, identity = _replica_status(replica, target)
            if not in_recovery:
                # A server that replays nothing is the primary itself (a test's mirror, a proxy's
                # address) or a standby promoted since, which no longer follows this primary.
                if identity == primary_identity:
                    return True
                logger.error("The read replica is not a standby of the primary: reading from the primary.")
                return False
            if replayed:
                return True
            if time.monotonic() >= deadline:
                logger.warning(
                    "The read replica is more than %s s behind the primary: reading from the primary.", wait_seconds
                )
                return False
            time.sleep(_POLL_SECONDS)
    except DatabaseError:
        logger.warning("The read replica cannot be reached: reading from the primary.", exc_info=True)
        replica.close()  # a new connection next time, not this broken one
        return False


# Who a server is, to tell the primary from another: its postmaster's start and the database's name.
_PRIMARY_SQL = "SELECT pg_current_wal_insert_lsn()::text, pg_postmaster_start_time(), current_database()"
_REPLICA_SQL = (
    "SELECT pg_is_in_recovery(), COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false), "
    "pg_postmaster_start_time(), current_database()"
)


def _primary_position(primary: BaseDatabaseWrapper) -> tuple[str, tuple]:
    """Where the primary's WAL ends now (every commit so far is before it), and who it is."""
    with primary.cursor() as cursor:
        cursor.execute(_PRIMARY_SQL)
        lsn, *identity = cursor.fetchone()
    return lsn, tuple(identity)


def _replica_status(replica: BaseDatabaseWrapper, target: str) -> tuple[bool, bool, tuple]:
    """Whether the replica is replaying a primary's WAL, whether it has replayed up to `target`, who it is."""
    with replica.cursor() as cursor:
        cursor.execute(_REPLICA_SQL, [target])
        in_recovery, replayed, *identity = cursor.fetchone()
    return in_recovery, replayed, tuple(identity)
