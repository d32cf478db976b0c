"""A real Celery worker process, on the configured broker (embedded or Redis), sees the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from notifications.models import OutboundMessage
from notifications.tasks import outbound_message_send
from portal.celery import app as celery_app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def worker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.worker_test",
        "PORTAL_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
    }
    log = tmp_path / "worker.log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_real_worker_sends_a_queued_email_and_stamps_it_in_the_database(worker, monkeypatch):
    process, log = worker
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    message = OutboundMessage.objects.create(channel="email", to="someone@example.com", subject="Hello", body="Hi")
    outbound_message_send.delay(message.pk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.sent_at is not None:
            break
        assert process.poll() is None, log.read_text()
        time.sleep(0.3)
    assert message.sent_at is not None, f"the worker did not send the message in 60 s:\n{log.read_text()}"
    assert message.attempts == 1
    broker = celery_app.connection_for_write().as_uri()
    assert broker.startswith(("filesystem", "redis", "amqp")), broker


def test_each_xdist_worker_has_its_own_queue_and_its_real_workers_consume_it():
    """A real worker started by a test inherits the environment, hence the queue its test publishes to, and
    never takes the tasks of a test running in the other xdist worker (whose database it does not see)."""
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
    expected = f"celery-{xdist_worker}" if xdist_worker else "celery"
    assert celery_app.conf.task_default_queue == expected
    assert celery_app.amqp.router.route({}, "notifications.tasks.outbound_message_send")["queue"].name == expected
