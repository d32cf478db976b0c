"""A signed test event (`ping`) through the normal delivery path, and secret rotation with the old and
new secrets both signing during a grace period (Standard Webhooks: several signatures in one header)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from outbox.models import OutboxEvent
from tests.api.conftest import assert_problem
from tests.webhooks.conftest import make_customer
from webhooks.endpoints import webhook_endpoint_update
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.relay import outbox_relay

BASE = "/api/v1/webhook-endpoints"


@pytest.fixture
def manager(make_api):
    return make_api("webhooks:manage")


@pytest.fixture
def registered(manager, receiver):
    """(api, endpoint id, secret): an endpoint of the client, on the real receiver."""
    api, _client = manager
    body = api.post(BASE, {"url": receiver.url, "event_types": ["customer.created"]}).json()
    return api, body["id"], body["secret"]


# --- Test event ----------------------------------------------------------------------------------------


def test_a_ping_is_signed_and_delivered_to_this_endpoint_alone(
    registered, receiver, make_api, django_capture_on_commit_callbacks
):
    api, endpoint_id, secret = registered
    other_api, _other = make_api("webhooks:manage")
    other_api.post(BASE, {"url": receiver.url, "event_types": ["customer.created"]})  # must not get the ping
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/{endpoint_id}/test", {})
    assert response.status_code == 202, response.content
    assert response["Location"] == f"{BASE}/{endpoint_id}/deliveries"
    body = response.json()
    assert body["event_type"] == "ping" and body["webhook_id"].startswith("msg_")
    assert len(receiver.received) == 1
    received = receiver.received[0]
    payload = received.verified(secret)
    assert payload["type"] == "ping" and payload["data"] == {"endpoint_id": endpoint_id, "test": True}
    assert received.webhook_id == body["webhook_id"]
    # The delivery is logged as any other, and the relay never fans the ping out to anyone else.
    delivery = WebhookDelivery.objects.get(pk=body["id"])
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert api.get(f"{BASE}/{endpoint_id}/deliveries").json()["deliveries"][0]["id"] == delivery.pk
    assert outbox_relay() == [] and WebhookDelivery.objects.count() == 1


def test_a_failing_ping_is_logged_and_retried_like_any_delivery(
    registered, receiver, django_capture_on_commit_callbacks
):
    api, endpoint_id, _secret = registered
    receiver.plan = [(503, {"Retry-After": "120"})]
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"{BASE}/{endpoint_id}/test", {}).json()
    assert queued["status"] == "pending" and queued["attempts"] == 0  # sent once the answer's transaction commits
    body = api.get(f"{BASE}/{endpoint_id}/deliveries").json()["deliveries"][0]
    assert body["id"] == queued["id"]
    assert body["status"] == "pending" and body["last_status_code"] == 503 and body["attempts"] == 1
    assert body["recent_attempts"][0]["error"] == "HTTP 503"
    delivery = WebhookDelivery.objects.get(pk=body["id"])
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=100)


def test_ping_refusals(registered, make_api, receiver):
    api, endpoint_id, _secret = registered
    other, _other = make_api("webhooks:manage")
    assert_problem(other.post(f"{BASE}/{endpoint_id}/test", {}), 404)
    reader, _reader = make_api("customers:read")
    assert_problem(reader.post(f"{BASE}/{endpoint_id}/test", {}), 403)
    assert "verbose" in assert_problem(api.post(f"{BASE}/{endpoint_id}/test", {"verbose": True}), 400)["errors"]
    webhook_endpoint_update(endpoint=WebhookEndpoint.objects.get(pk=endpoint_id), is_enabled=False)
    assert "Enable the endpoint" in assert_problem(api.post(f"{BASE}/{endpoint_id}/test", {}), 409)["detail"]
    assert not OutboxEvent.objects.filter(type="ping").exists()


# --- Secret rotation -----------------------------------------------------------------------------------


def _verifies(received, secret: str) -> bool:
    try:
        Webhook(secret).verify(received.body, received.headers)
    except WebhookVerificationError:
        return False
    return True


def test_during_the_grace_period_old_and_new_secrets_both_verify(
    registered, receiver, django_capture_on_commit_callbacks
):
    api, endpoint_id, old_secret = registered
    response = api.post(f"{BASE}/{endpoint_id}/secret-rotation", {"grace_period_hours": 24})
    assert response.status_code == 200, response.content
    body = response.json()
    new_secret = body["secret"]
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    assert body["previous_secret_expires_at"].endswith("Z")
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert new_secret not in endpoint.secret_encrypted and old_secret not in endpoint.previous_secret_encrypted
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    received = receiver.received[-1]
    assert len(received.headers["webhook-signature"].split(" ")) == 2  # "v1,<new> v1,<old>"
    assert _verifies(received, new_secret) and _verifies(received, old_secret)
    assert "secret" not in api.get(f"{BASE}/{endpoint_id}").json()


def test_after_the_grace_period_only_the_new_secret_signs(registered, receiver, django_capture_on_commit_callbacks):
    api, endpoint_id, old_secret = registered
    new_secret = api.post(f"{BASE}/{endpoint_id}/secret-rotation", {"grace_period_hours": 1}).json()["secret"]
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{BASE}/{endpoint_id}/test", {})
    received = receiver.received[-1]
    assert len(received.headers["webhook-signature"].split(" ")) == 1
    assert _verifies(received, new_secret) and not _verifies(received, old_secret)


def test_a_rotation_without_grace_revokes_the_old_secret_at_once(
    registered, receiver, django_capture_on_commit_callbacks
):
    api, endpoint_id, old_secret = registered
    body = api.post(f"{BASE}/{endpoint_id}/secret-rotation", {"grace_period_hours": 0}).json()
    assert body["previous_secret_expires_at"] is None
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{BASE}/{endpoint_id}/test", {})
    received = receiver.received[-1]
    assert _verifies(received, body["secret"]) and not _verifies(received, old_secret)


def test_a_second_rotation_drops_the_oldest_secret(registered, receiver, django_capture_on_commit_callbacks):
    api, endpoint_id, first = registered
    second = api.post(f"{BASE}/{endpoint_id}/secret-rotation", {}).json()["secret"]  # 24 hours by default
    third = api.post(f"{BASE}/{endpoint_id}/secret-rotation", {}).json()["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{BASE}/{endpoint_id}/test", {})
    received = receiver.received[-1]
    assert _verifies(received, third) and _verifies(received, second) and not _verifies(received, first)


@pytest.mark.parametrize(
    "body", [{"grace_period_hours": -1}, {"grace_period_hours": 169}, {"grace": 1}, {"grace_period_hours": "x"}]
)
def test_rotation_refusals(registered, make_api, body):
    api, endpoint_id, _secret = registered
    before = WebhookEndpoint.objects.get(pk=endpoint_id).secret_encrypted
    assert_problem(api.post(f"{BASE}/{endpoint_id}/secret-rotation", body), 400)
    other, _other = make_api("webhooks:manage")
    assert_problem(other.post(f"{BASE}/{endpoint_id}/secret-rotation", {}), 404)
    assert WebhookEndpoint.objects.get(pk=endpoint_id).secret_encrypted == before
