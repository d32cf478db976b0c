"""Transaction ids in SQL, for the change feed (preferences.feed).

A sequence id is drawn when a row is inserted, not when its transaction commits: a reader asking for
"ids after 26" can see 28 committed while 27's transaction is still open, move on, and never see 27.
So each ledger row also records the id of the transaction that wrote it, and the feed serves rows by
(transaction id, id) only below a horizon under which every transaction has ended.

On SQLite writers are serialised (a writer holds the database until it commits), so ids already
follow commit order: the transaction id is 0 and the horizon has no limit.
"""

from django.db.models import BigIntegerField, Func

# The 64-bit id of the current transaction (assigned at its first write, so already there for an insert).
_CURRENT_SQL = "(pg_current_xact_id()::text::bigint)"

# The lowest transaction id that may still commit ledger rows this statement cannot see yet: the oldest
# transaction in progress in this statement's snapshot, or the snapshot's xmax when none is. Two
# refinements keep it from waiting for what can never write here:
# - transactions of other databases of the cluster (pg_stat_activity says which database a backend
#   is connected to, and a backend never changes database; an xid it does not list is kept);
# - autovacuum workers (an automatic ANALYZE takes an xid for its statistics rows; it never writes
#   the ledger), which otherwise hold the feed back for as long as they run on a busy table;
# - the reader's own transaction, whose rows it already sees (tests run inside one), counts as ended
#   when no older transaction is in progress.
# pg_stat_activity is read once per transaction and kept until it ends: a reader inside a transaction
# (a test, a view under ATOMIC_REQUESTS) would match a fresh snapshot against an old list of backends,
# so the list is dropped first (pg_stat_clear_snapshot, in the FROM clause, runs before the subquery).
# Matching pg_stat_activity's 32-bit xids against the snapshot's 64-bit ones on their low 32 bits is
# exact: transactions in progress at one time are far fewer than 2^32 apart.
_HORIZON_SQL = """(
SELECT CASE
    WHEN s.own IS NOT NULL AND (s.busy IS NULL OR s.own < s.busy) THEN GREATEST(LEAST(s.busy, s.xmax), s.own + 1)
    ELSE LEAST(s.busy, s.xmax)
END
FROM (
    SELECT pg_snapshot_xmax(snap)::text::bigint AS xmax,
           pg_current_xact_id_if_assigned()::text::bigint AS own,
           (SELECT min(x::text::bigint) FROM pg_snapshot_xip(snap) AS x
             WHERE NOT EXISTS (
                SELECT 1 FROM pg_stat_activity AS a
                 WHERE a.backend_xid IS NOT NULL
                   AND (a.backend_type = 'autovacuum worker'
                        OR (a.datid IS NOT NULL
                            AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())))
                   AND a.backend_xid::text::bigint = mod(x::text::bigint, 4294967296))) AS busy
      FROM (SELECT pg_stat_clear_snapshot()) AS fresh_activity, pg_current_snapshot() AS snap
) AS s
)"""

# Beyond every transaction id: the horizon where transactions need no waiting for (SQLite).
NO_HORIZON = 2**63 - 1


class CurrentTransactionId(Func):
    """The database default of ConsentEvent.transaction_id."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "0", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return _CURRENT_SQL, []


class FeedHorizon(Func):
    """Rows of transactions below this id may be served: none of them can still commit (see above)."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return str(NO_HORIZON), []

    def as_postgresql(self, compiler, connection, **extra_context):
        return _HORIZON_SQL, []
