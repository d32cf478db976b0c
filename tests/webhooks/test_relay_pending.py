"""The relay's pending flag (outbox.services): on a shared Redis cache, a change queues the relay only
when none is queued and not yet started; the relay lowers the flag before it reads the outbox, so no
committed event waits. With a per-process cache every commit queues, as before."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings

from common.shared_redis import shared_redis
from common.tasks import task_queue
from outbox import services
from outbox.models import OutboxEvent
from portal.celery import app as celery_app
from preferences.changes import preferences_change
from tests.webhooks.conftest import ALL_TYPES, make_customer, system_context
from webhooks.endpoints import webhook_endpoint_create
from webhooks.models import WebhookDelivery
from webhooks.relay import outbox_relay

REDIS_URL = "redis://127.0.0.1:6379/12"
ROOT = Path(__file__).resolve().parents[2]


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(), reason="No Redis on 127.0.0.1:6379 (CI starts one).")


@pytest.fixture
def redis_cache():
    """The shared cache on Redis, under a prefix of this test's own."""
    cache_settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    shared_redis.cache_clear()
    with override_settings(CACHES=cache_settings):
        yield redis.Redis.from_url(REDIS_URL)
    shared_redis.cache_clear()


class Broker:
    """What outbox.services hands the relay task to: it keeps them (no worker runs them), or refuses."""

    def __init__(self):
        self.queued: list[str] = []
        self.down = False

    def __call__(self, name: str, *args, **kwargs) -> None:
        if self.down:
            raise ConnectionError("the broker is down")
        self.queued.append(name)


@pytest.fixture
def broker(monkeypatch):
    held = Broker()
    monkeypatch.setattr(services, "task_queue", held)
    return held


def _commit_an_event(capture) -> None:
    with capture(execute=True), transaction.atomic():
        services.event_record(type="customer.created", payload={"customer_id": 1, "external_id": "CRM-1"})


def _flag(client) -> bytes | None:
    return client.get(cache.make_key(services.RELAY_PENDING_KEY))


@needs_redis
@pytest.mark.django_db
def test_a_commit_queues_no_second_relay_while_one_is_queued_and_not_started(
    redis_cache, broker, django_capture_on_commit_callbacks
):
    _commit_an_event(django_capture_on_commit_callbacks)
    _commit_an_event(django_capture_on_commit_callbacks)
    _commit_an_event(django_capture_on_commit_callbacks)

    assert broker.queued == [services.RELAY_TASK]
    assert _flag(redis_cache) is not None
    assert 0 < redis_cache.ttl(cache.make_key(services.RELAY_PENDING_KEY)) <= services.RELAY_PENDING_SECONDS


@needs_redis
@pytest.mark.django_db
def test_once_the_relay_has_started_the_next_commit_queues_again(redis_cache, broker, django_capture_on_commit_callbacks):
    _commit_an_event(django_capture_on_commit_callbacks)
    outbox_relay()  # the queued relay runs: it lowers the flag before reading, and takes the event

    assert _flag(redis_cache) is None
    assert not OutboxEvent.objects.filter(fanned_out_at__isnull=True).exists()
    _commit_an_event(django_capture_on_commit_callbacks)
    assert broker.queued == [services.RELAY_TASK, services.RELAY_TASK]


@needs_redis
@pytest.mark.django_db
def test_a_broker_that_refuses_leaves_the_flag_down_so_the_next_commit_tries_again(
    redis_cache, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    _commit_an_event(django_capture_on_commit_callbacks)
    assert _flag(redis_cache) is None

    broker.down = False
    _commit_an_event(django_capture_on_commit_callbacks)
    assert broker.queued == [services.RELAY_TASK]


@needs_redis
@pytest.mark.django_db
def test_a_flag_whose_relay_was_lost_expires(redis_cache, broker, django_capture_on_commit_callbacks):
    _commit_an_event(django_capture_on_commit_callbacks)
    redis_cache.pexpire(cache.make_key(services.RELAY_PENDING_KEY), 1)  # its time runs out
    time.sleep(0.05)
    _commit_an_event(django_capture_on_commit_callbacks)
    assert broker.queued == [services.RELAY_TASK, services.RELAY_TASK]


@pytest.mark.django_db
def test_with_a_per_process_cache_every_commit_queues_the_relay(broker, django_capture_on_commit_callbacks):
    assert settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.redis.RedisCache" or pytest.skip(
        "the tests' cache is on Redis here"
    )
    _commit_an_event(django_capture_on_commit_callbacks)
    _commit_an_event(django_capture_on_commit_callbacks)
    assert broker.queued == [services.RELAY_TASK, services.RELAY_TASK]


# --- End to end: a real worker on Redis (broker and cache), a real receiver ------------------------


@pytest.fixture
def worker_sharing_the_cache(tmp_path, redis_cache):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.worker_test",
        "PORTAL_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    log = tmp_path / "worker.log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=threads", "--concurrency=4",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@needs_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not str(settings.CELERY_BROKER_URL).startswith("redis://"),
    reason="needs CELERY_BROKER_URL=redis://… (the PostgreSQL + Redis CI leg)",
)
def test_every_change_of_a_quick_burst_reaches_the_receiver(worker_sharing_the_cache, receiver, monkeypatch):
    process, log = worker_sharing_the_cache
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    queued = []

    def counted(name: str, *args, **kwargs):
        queued.append(name)
        return task_queue(name, *args, **kwargs)

    monkeypatch.setattr(services, "task_queue", counted)
    endpoint, secret = webhook_endpoint_create(url=receiver.url, event_types=ALL_TYPES)
    customer = make_customer()

    for number in range(30):  # as fast as one process can change a customer, each its own transaction
        preferences_change(
            customer_id=customer.pk,
            changes={"customer.large_print": number % 2 == 0},
            context=system_context(),
        )

    expected = set(OutboxEvent.objects.values_list("pk", flat=True))
    assert len(expected) == 31  # created, then 30 changes
    deadline = time.monotonic() + 60
    while set(WebhookDelivery.objects.filter(status="succeeded").values_list("event_id", flat=True)) != expected:
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-5000:]
        time.sleep(0.2)
    versions = sorted(p["data"]["version"] for p in receiver.payloads(secret) if p["type"] == "customer.preferences_changed")
    assert versions == list(range(versions[0], versions[0] + 30))
    assert 1 <= len(queued) <= 31  # fewer when relays were pending; the count depends on the worker's pace
    print(f"30 changes queued {len(queued)} relays")  # noqa: T201
