"""Supervisors register endpoints in the admin (the secret is shown once), read the log, replay."""

from django.test import Client

from tests.conftest import make_staff_user
from tests.webhooks.conftest import make_customer
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def test_a_supervisor_registers_an_endpoint_reads_the_log_and_replays(
    supervisor, receiver, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": receiver.url, "description": "CRM", "event_types": ["customer.created"], "is_enabled": "on"},
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.owner is None
    shown = [str(message) for message in response.context["messages"]]
    assert any("whsec_" in message for message in shown)
    receiver.plan = [(500, {})]
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    delivery = WebhookDelivery.objects.get()
    assert client.get("/admin/webhooks/webhookdelivery/").status_code == 200
    page = client.get(f"/admin/webhooks/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200 and b"500" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/webhooks/webhookdelivery/", {"action": "replay", "_selected_action": [delivery.pk]}, follow=True
        )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_the_admin_refuses_a_url_the_guard_refuses_and_agents_see_nothing(supervisor, db):
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        "/admin/webhooks/webhookendpoint/add/", {"url": "https://example.com/x", "event_types": ["customer.created"]}
    )
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    agent = Client()
    agent.force_login(make_staff_user("agent@example.com", "agent"))
    assert agent.get("/admin/webhooks/webhookendpoint/").status_code in (302, 403)
