"""Audience chunks against a real hot standby (test_replica.py imitates one with a second connection to the
test database): a primary and a standby streaming from it are started for this test, and a process of its
own runs the audience through the API with DATABASE_REPLICA_URL naming the standby (standby_job.py).
- With the standby replaying, every chunk reads it, once it has replayed a change committed just before.
- With a query of the chunk cancelled by the standby (a conflict with its replay, made with table locks):
  that chunk reads the primary, from its start, in the same attempt; the next ones read the standby.
- With its replay paused, the standby falls behind: every chunk waits, then reads the primary.
Each time the file is the single plans read on the primary, the change included."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.standby import standby_pair_running

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="A read replica is PostgreSQL's: set DATABASE_URL to run it."
    ),
]


@pytest.fixture
def standby_pair():
    with standby_pair_running(database="portal") as pair:
        yield pair


def test_chunks_read_a_real_standby_once_it_has_replayed_and_the_primary_while_it_lags(standby_pair, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": standby_pair.url("primary"),
        "DATABASE_REPLICA_URL": standby_pair.url("standby"),
        "PORTAL_BROKER_DIR": str(tmp_path / "broker"),
    }
    env.pop("CELERY_BROKER_URL", None)  # chunks run eagerly, in the job's process
    done = subprocess.run(
        [sys.executable, "-m", "tests.audiences.standby_job"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:] + standby_pair.log("standby")[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["standby_in_recovery"] is True  # a standby indeed, not the primary under another name

    runs = report["runs"]
    for run in runs.values():
        assert run["status"] == "ready"
        assert len(run["lines"]) == 20
        assert run["lines"] == run["single_plans"]
    assert runs["replaying"]["read_from"] == ["replica"] * 3  # 20 customers, 7 a chunk
    # The standby cancelled the first chunk's read: that chunk read the primary, from its start, in the same
    # attempt; the next chunks read the standby again.
    assert runs["cancelled"].get("error") is None and runs["cancelled"]["cancelled"] is True
    assert "deadlock detected" in standby_pair.log("standby")  # the standby's own words, on the DECLARE
    assert runs["cancelled"]["read_from"] == ["replica", "default", "replica", "replica"]
    assert "the read replica failed, reading from the primary" in done.stderr
    assert runs["paused"]["read_from"] == ["default"] * 3
    assert "more than 0.5 s behind the primary" in done.stderr

    def changed(run):
        return next(line for line in run["lines"] if line["customer_id"] == run["changed_id"])

    # The change committed just before each audience is in its file: read on the standby once replayed,
    # on the primary while the standby's replay was paused or after it cancelled the read.
    assert (changed(runs["replaying"])["allowed"], changed(runs["replaying"])["reasons"]) == (False, ["opted_out"])
    assert changed(runs["cancelled"])["allowed"] is True
    assert (changed(runs["paused"])["allowed"], changed(runs["paused"])["reasons"]) == (False, ["opted_out"])
