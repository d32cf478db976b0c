"""Faults: the database connection dropped mid-request, the broker down, the mail server down, a
webhook receiver that hangs. Each gives a clear answer and loses nothing.

The broker going down and coming back with a real Redis and a real worker is
tests/webhooks/test_outage.py (PostgreSQL + Redis CI leg); here the broker refuses tasks at the
moment they are queued, which is what a web process sees.
"""

import functools
import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import OperationalError, connection, connections
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from api.services import api_client_create
from notifications import tasks as notification_tasks
from notifications.models import OutboundMessage
from notifications.services import outbound_message_send, outbound_messages_due
from outbox.models import OutboxEvent
from preferences import changes as preference_changes
from preferences.contact_points import contact_point_import
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, Customer
from preferences.selectors import preference_document_get
from preferences.state import state_rebuild
from support.services import customer_override_apply
from tests.conftest import make_customer_user, make_staff_user
from webhooks import tasks as webhook_tasks
from webhooks import transport
from webhooks.attempts import delivery_attempt
from webhooks.endpoints import webhook_endpoint_create
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.relay import outbox_relay, webhooks_redrive

PATCH_BODY = json.dumps({"changes": {"subscription.billing.postal": "in", "customer.large_print": True}})


def _api(customer_scopes=("customers:read", "customers:write")):
    _client, key = api_client_create(name="crm", scopes=list(customer_scopes))
    client = Client(raise_request_exception=False)
    return client, {"Authorization": f"Bearer {key}"}


def _ledger_matches_the_state(customer_id: int) -> None:
    events = ConsentEvent.objects.filter(customer_id=customer_id).order_by("id").values_list("key", "new_value")
    assert state_rebuild(events) == preference_document_get(customer_id=customer_id).state()


def _snapshot(customer_id: int) -> tuple:
    return (
        Customer.objects.get(pk=customer_id).version,
        ConsentEvent.objects.filter(customer_id=customer_id).count(),
        OutboxEvent.objects.count(),
        OutboundMessage.objects.count(),
        preference_document_get(customer_id=customer_id).state(),
    )


def _customer_with_postal_address():
    user, customer = make_customer_user("camille@example.com")
    contact_point_import(
        customer_id=customer.pk, kind="postal", value="1 rue de la Paix\n75002 Paris",
        context=ChangeContext.system(),
    )
    return user, customer


# --- The database goes away in the middle of a change ---------------------------------------------


def _fail_before_the_ledger(monkeypatch, fault):
    """Let the change write its state rows, then lose the database before the ledger events."""
    original = preference_changes.events_append

    def events_append(**kwargs):
        fault()
        return original(**kwargs)

    monkeypatch.setattr(preference_changes, "events_append", events_append)


@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_change_applies_nothing_and_answers_503_problem(monkeypatch):
    _user, customer = _customer_with_postal_address()
    client, headers = _api()
    before = _snapshot(customer.pk)

    def fault():
        raise OperationalError("server closed the connection unexpectedly")

    _fail_before_the_ledger(monkeypatch, fault)
    response = client.patch(
        f"/api/v1/customers/{customer.pk}", PATCH_BODY, content_type="application/json", headers={**headers, "If-Match": f'"{before[0]}"'}
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["type"] == "urn:portal:problem:service_unavailable"
    monkeypatch.undo()
    assert _snapshot(customer.pk) == before  # nothing half-applied: no state, no event, no outbox row
    _ledger_matches_the_state(customer.pk)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend needs PostgreSQL")
def test_the_backend_killed_mid_change_applies_nothing_and_the_next_request_works(monkeypatch):
    """The real thing: another connection terminates the request's backend between its writes."""
    _user, customer = _customer_with_postal_address()
    client, headers = _api()
    before = _snapshot(customer.pk)

    def fault():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()

    _fail_before_the_ledger(monkeypatch, fault)
    path = f"/api/v1/customers/{customer.pk}"
    response = client.patch(path, PATCH_BODY, content_type="application/json", headers={**headers, "If-Match": f'"{before[0]}"'})
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    monkeypatch.undo()
    connection.close()  # what CONN_HEALTH_CHECKS does at the next request in production
    assert _snapshot(customer.pk) == before
    # The client retries with the same If-Match: it goes through, once.
    retry = client.patch(path, PATCH_BODY, content_type="application/json", headers={**headers, "If-Match": f'"{before[0]}"'})
    assert retry.status_code == 200, retry.content
    assert Customer.objects.get(pk=customer.pk).version == before[0] + 1
    _ledger_matches_the_state(customer.pk)


@pytest.mark.django_db(transaction=True)
def test_a_database_error_mid_form_applies_nothing(monkeypatch):
    user, customer = _customer_with_postal_address()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    before = _snapshot(customer.pk)

    def fault():
        raise OperationalError("server closed the connection unexpectedly")

    _fail_before_the_ledger(monkeypatch, fault)
    response = client.post("/my/topics/marketing-objection/", {"objection": "on", "confirm": "on"})
    assert response.status_code >= 500
    monkeypatch.undo()
    assert _snapshot(customer.pk) == before


# --- The broker refuses tasks ---------------------------------------------------------------------


def _broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    for task in (notification_tasks.outbound_message_send, webhook_tasks.webhook_outbox_relay, webhook_tasks.webhook_delivery_attempt):
        monkeypatch.setattr(task, "delay", refuse)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_change_commits_and_the_outbox_rows_wait(monkeypatch, settings):
    _user, customer = _customer_with_postal_address()
    staff = make_staff_user("agent@example.com", "agent")
    webhook_endpoint_create(url="http://127.0.0.1:9/hooks", event_types=["customer.preferences_changed"])
    _broker_down(monkeypatch)
    last_event = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events = customer_override_apply(
        customer_id=customer.pk, changes={"customer.large_print": True}, staff_user=staff,
        reason_code="customer_call", reason="Asked on the phone.",
    )
    assert events  # committed, although nothing could be queued
    assert preference_document_get(customer_id=customer.pk).customer.large_print is True
    email = OutboundMessage.objects.filter(to="camille@example.com").latest("id")
    assert email.sent_at is None and email.attempts == 0
    event = OutboxEvent.objects.get(type="customer.preferences_changed", id__gt=last_event)
    assert not WebhookDelivery.objects.filter(event=event).exists()
    # The broker is back: beat's jobs find everything that was left behind.
    monkeypatch.undo()
    later = timezone.now() + timedelta(minutes=5)
    assert email.pk in outbound_messages_due(now=later)
    outbound_message_send(message_id=email.pk)
    email.refresh_from_db()
    assert email.sent_at is not None
    webhooks_redrive(now=later)
    assert WebhookDelivery.objects.filter(event=event).count() == 1
    _ledger_matches_the_state(customer.pk)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_api_still_answers_200(monkeypatch):
    _user, customer = _customer_with_postal_address()
    client, headers = _api()
    _broker_down(monkeypatch)
    version = Customer.objects.get(pk=customer.pk).version
    response = client.patch(
        f"/api/v1/customers/{customer.pk}", PATCH_BODY, content_type="application/json", headers={**headers, "If-Match": f'"{version}"'}
    )
    assert response.status_code == 200, response.content
    assert OutboxEvent.objects.filter(type="customer.preferences_changed").exists()


# --- The mail server is down ----------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.mark.django_db(transaction=True)
def test_with_the_mail_server_down_nothing_is_lost(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    _user, customer = _customer_with_postal_address()
    staff = make_staff_user("agent@example.com", "agent")
    events = customer_override_apply(
        customer_id=customer.pk, changes={"customer.large_print": True}, staff_user=staff,
        reason_code="customer_call", reason="Asked on the phone.",
    )
    assert events and preference_document_get(customer_id=customer.pk).customer.large_print is True
    email = OutboundMessage.objects.filter(to="camille@example.com").latest("id")
    assert email.sent_at is None and email.attempts == 1
    assert "ConnectionRefused" in email.last_error or "refused" in email.last_error.lower()
    # The server is back: the beat job sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email.pk in outbound_messages_due(now=timezone.now() + timedelta(minutes=5))
    outbound_message_send(message_id=email.pk)
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 2


# --- A webhook receiver that hangs ----------------------------------------------------------------


class HangingReceiver:
    """A receiver on 127.0.0.1 that reads each request, then sleeps `hang` seconds before answering."""

    def __init__(self, hang: float):
        self.hang = hang
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"id": self.headers["webhook-id"], "body": body})
                time.sleep(receiver.hang)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging_receiver():
    receiver = HangingReceiver(hang=3.0)
    yield receiver
    receiver.close()


@pytest.mark.django_db(transaction=True)
def test_a_hanging_receiver_slows_no_request_and_its_delivery_is_retried(monkeypatch, hanging_receiver, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.05
    monkeypatch.setattr(transport, "post", functools.partial(transport.post, timeout=0.5))
    _user, customer = _customer_with_postal_address()
    webhook_endpoint_create(url=hanging_receiver.url, event_types=["customer.preferences_changed"])
    # A real broker takes the tasks and a worker runs them later: hold them as a broker would.
    queued: list[tuple] = []
    for task in (webhook_tasks.webhook_outbox_relay, webhook_tasks.webhook_delivery_attempt):
        monkeypatch.setattr(task, "delay", functools.partial(lambda t, *args: queued.append((t, args)), task))
    client, headers = _api()
    version = Customer.objects.get(pk=customer.pk).version
    started = time.monotonic()
    response = client.patch(
        f"/api/v1/customers/{customer.pk}", PATCH_BODY, content_type="application/json", headers={**headers, "If-Match": f'"{version}"'}
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 1.0, f"the request waited for the receiver ({elapsed:.1f} s)"
    # The worker: relay, then one attempt, which times out.
    outbox_relay()
    delivery = WebhookDelivery.objects.get()
    attempted = time.monotonic()
    delivery_attempt(delivery_id=delivery.pk)
    assert time.monotonic() - attempted < 2.0  # bounded by the timeout, not by the receiver
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_error == "timeout"
    assert delivery.attempts == 1 and delivery.next_attempt_at is not None
    # The receiver recovers: the retry delivers it, with the same webhook-id.
    hanging_receiver.hang = 0
    deadline = time.monotonic() + 10
    while delivery.status != DeliveryStatus.SUCCEEDED:
        assert time.monotonic() < deadline, "the delivery was never retried"
        time.sleep(0.1)
        delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
    ids = {item["id"] for item in hanging_receiver.received}
    assert ids == {delivery.webhook_id} and len(hanging_receiver.received) >= 2
