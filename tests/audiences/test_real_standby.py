"""Audience chunks against a real hot standby (test_replica.py imitates one with a second connection to the
test database): a primary and a standby streaming from it are started for this test, and a process of its
own runs the audience through the API with DATABASE_REPLICA_URL naming the standby (standby_job.py).
- With the standby replaying, every chunk reads it, once it has replayed a change committed just before.
- With its replay paused, the standby falls behind: every chunk waits, then reads the primary.
Either way the file is the single plans read on the primary, the change included."""

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

    replaying, paused = report["runs"]["replaying"], report["runs"]["paused"]
    for run in (replaying, paused):
        assert run["status"] == "ready"
        assert len(run["lines"]) == 20
        assert run["lines"] == run["single_plans"]
    assert replaying["read_from"] == ["replica"] * 3  # 20 customers, 7 a chunk
    assert paused["read_from"] == ["default"] * 3
    assert "more than 0.5 s behind the primary" in done.stderr

    def changed(run):
        return next(line for line in run["lines"] if line["customer_id"] == run["changed_id"])

    # The change committed just before each audience is in its file: read on the standby once replayed,
    # on the primary while the standby's replay was paused.
    assert (changed(replaying)["allowed"], changed(replaying)["reasons"]) == (False, ["opted_out"])
    assert changed(paused)["allowed"] is True
