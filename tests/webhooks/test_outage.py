"""Broker outage, end to end: a real worker with beat on a Redis server this test starts on a free port
(never the machine's shared Redis). With Redis stopped, preference changes still succeed; once it is
back, every event reaches the receiver, each with one webhook-id (a repeat is allowed, a gap is not)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from outbox.models import OutboxEvent
from tests.webhooks.conftest import ALL_TYPES, make_customer
from webhooks.endpoints import webhook_endpoint_create
from webhooks.models import WebhookDelivery

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.broker_outage,
    pytest.mark.skipif(
        not str(settings.CELERY_BROKER_URL).startswith("redis://"),
        reason="needs CELERY_BROKER_URL=redis://… (runs in the PostgreSQL + Redis CI leg): it stops and restarts "
        "a Redis server of its own",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A throw-away redis-server (no persistence) that the test can stop and start again."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--dir", str(self.directory), "--pidfile", str(self.directory / "redis.pid")],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not self.ping():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def ping(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        deadline = time.monotonic() + 10
        while self.ping():
            assert time.monotonic() < deadline, "redis-server did not stop"
            time.sleep(0.1)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _env(redis_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.webhooks.worker_settings",
        "PORTAL_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "CELERY_BROKER_URL": redis_url,
    }


@pytest.fixture
def worker_with_beat(redis_server, tmp_path):
    """A worker and a separate beat, as in production (README: one beat, any number of workers).

    A beat or a worker that dies while the broker is away is started again, as systemd or Kubernetes
    would do (README, Deploy). Beat always exits; the worker usually reconnects on its own but, once in
    CI's PostgreSQL leg, exited as kombu's Redis transport closed the dead connection (AttributeError in
    `_connparams`): what must hold is that no change is lost, whatever the processes do.
    """
    log = tmp_path / "worker.log"
    beat_log = tmp_path / "beat.log"
    env = _env(redis_server.url)

    def start_beat():
        with open(beat_log, "a") as handle:
            return subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "beat", "--schedule", str(tmp_path / "beat"),
                 "--loglevel=INFO"],
                cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            )

    def start_worker():
        with open(log, "a") as handle:
            return subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "worker",
                 "--pool=threads", "--concurrency=4", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                 "--without-heartbeat"],
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )

    process = start_worker()
    worker = {"process": process, "restarts": 0}
    beat = {"process": start_beat(), "restarts": 0}
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

        def supervise():
            if beat["process"].poll() is not None:
                beat["restarts"] += 1
                beat["process"] = start_beat()
            if worker["process"].poll() is not None:
                worker["restarts"] += 1
                print(f"worker exited (code {worker['process'].returncode}) and was started again")  # noqa: T201
                worker["process"] = start_worker()

        yield process, log, supervise
    finally:
        for running in (worker["process"], beat["process"]):
            running.terminate()
            try:
                running.wait(timeout=15)
            except subprocess.TimeoutExpired:
                running.kill()


def _changes(redis_url: str, customer_id: int, count: int) -> list[dict]:
    """Preference changes made by a separate "web" process on the test broker."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.webhooks.outage_changes", str(customer_id), str(count)],
        cwd=ROOT, env=_env(redis_url), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_changes_made_while_the_broker_is_down_all_reach_the_receiver(redis_server, worker_with_beat, receiver, capsys):
    _process, log, supervise = worker_with_beat
    endpoint, secret = webhook_endpoint_create(url=receiver.url, event_types=ALL_TYPES)
    customer = make_customer()

    before = _changes(redis_server.url, customer.pk, 3)

    redis_server.stop()
    outage_started = time.monotonic()
    during = _changes(redis_server.url, customer.pk, 5)  # they must succeed, broker or not
    assert [change["version"] for change in during] == list(range(before[-1]["version"] + 1, before[-1]["version"] + 6))
    time.sleep(2)
    redis_server.start()
    outage_seconds = time.monotonic() - outage_started
    restarted = time.monotonic()

    expected = OutboxEvent.objects.count()
    assert expected == 1 + 3 + 5  # customer.created, then 8 preference changes
    deadline = time.monotonic() + 120
    while True:
        delivered = set(WebhookDelivery.objects.filter(status="succeeded").values_list("webhook_id", flat=True))
        if len(delivered) == expected:
            break
        supervise()  # a worker or beat that exited is started again, as a process supervisor would
        assert time.monotonic() < deadline, f"{len(delivered)}/{expected} delivered in 120 s\n{log.read_text()[-5000:]}"
        time.sleep(0.25)
    recovery_seconds = time.monotonic() - restarted

    # One delivery, hence one webhook-id, per event; the receiver saw every one of them (no gap),
    # each with a valid signature; a repeat would carry the same id.
    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("event_id", "webhook_id"))
    assert sorted(event_id for event_id, _webhook_id in deliveries) == sorted(OutboxEvent.objects.values_list("pk", flat=True))
    received_ids = [item.webhook_id for item in receiver.received]
    assert set(received_ids) == {webhook_id for _event_id, webhook_id in deliveries}
    payloads = receiver.payloads(secret)
    versions = sorted({p["data"]["version"] for p in payloads if p["type"] == "customer.preferences_changed"})
    assert versions == list(range(versions[0], versions[0] + 8))
    with capsys.disabled():
        print(
            f"\nbroker outage: changes before {[c['seconds'] for c in before]} s, during the outage "
            f"{[c['seconds'] for c in during]} s; outage {outage_seconds:.1f} s; every event delivered "
            f"{recovery_seconds:.1f} s after Redis came back; {len(received_ids)} requests for {expected} events"
        )
