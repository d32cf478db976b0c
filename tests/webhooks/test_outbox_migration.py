"""OutboxEvent moved from the webhooks app to the outbox app in the same table: a database made by the
code before the move (webhooks 0003, no outbox app) migrates forward with its rows intact, and the
deliveries still point at their events. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from outbox.models import OutboxEvent
from webhooks.models import WebhookDelivery

# The nodes of these two apps in the code before the move; every other app stays where it is.
BEFORE = [("webhooks", "0003_disabled_reason_code"), ("outbox", None)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what was just applied, for the next caller
    return executor


def _leaves() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_an_event_written_before_the_move_is_read_through_the_outbox_app():
    try:
        executor = _migrate(BEFORE)
        assert ("outbox", "0001_initial") not in executor.loader.applied_migrations
        old_apps = executor.loader.project_state(("webhooks", "0003_disabled_reason_code")).apps
        OldEvent = old_apps.get_model("webhooks", "OutboxEvent")
        OldEndpoint = old_apps.get_model("webhooks", "WebhookEndpoint")
        OldDelivery = old_apps.get_model("webhooks", "WebhookDelivery")
        at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        event = OldEvent.objects.create(
            type="customer.created", payload={"customer_id": 7, "external_id": "CRM-7", "version": 1}, fanned_out_at=at
        )
        endpoint = OldEndpoint.objects.create(url="https://example.com/hook", event_types=["customer.created"], secret_encrypted="x")
        delivery = OldDelivery.objects.create(
            endpoint=endpoint, event=event, webhook_id="msg_before_the_move", retry_window_started_at=at
        )
    finally:
        _migrate(_leaves())

    moved = OutboxEvent.objects.get(pk=event.pk)
    assert (moved.type, moved.payload, moved.fanned_out_at) == (
        "customer.created",
        {"customer_id": 7, "external_id": "CRM-7", "version": 1},
        at,
    )
    assert OutboxEvent._meta.db_table == "webhooks_outboxevent"
    kept = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
    assert kept.event == moved and kept.webhook_id == "msg_before_the_move"
    assert list(moved.deliveries.all()) == [kept]
    # New rows go to the same table, after the old ones.
    assert OutboxEvent.objects.create(type="customer.created", payload={"customer_id": 8}).pk > event.pk
