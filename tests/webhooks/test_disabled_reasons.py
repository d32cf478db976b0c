"""Why an endpoint was disabled is stored as a code and rendered in the reader's language (API and
admin); so is the delivery error the portal decides, and the system's reason on a consent event."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation

from preferences.catalog import catalog_get
from preferences.customers import customer_upsert
from preferences.domain import ActorType, Source
from preferences.history import event_rows
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from privacy.services import customer_erase
from tests.webhooks.conftest import make_customer
from webhooks.endpoints import webhook_endpoint_create, webhook_endpoint_disable
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.relay import outbox_relay

BASE = "/api/v1/webhook-endpoints"
GONE_FR = "Le destinataire a répondu 410 Gone."
GONE_EN = "The receiver answered 410 Gone."


@pytest.fixture
def manager(make_api):
    return make_api("webhooks:manage")


def _read(api, endpoint_id: int, language: str) -> dict:
    return api.get(f"{BASE}/{endpoint_id}", headers={"Accept-Language": language}).json()


def test_a_410_stores_a_code_that_each_reader_reads_in_their_language(
    manager, receiver, django_capture_on_commit_callbacks
):
    api, _client = manager
    endpoint_id = api.post(BASE, {"url": receiver.url, "event_types": ["customer.created"]}).json()["id"]
    receiver.plan = [(410, {})]
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    stored = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert not stored.is_enabled and stored.disabled_reason == "gone" and stored.disabled_at is not None
    french, english = _read(api, endpoint_id, "fr"), _read(api, endpoint_id, "en")
    assert french["disabled_reason"] == english["disabled_reason"] == "gone"
    assert french["disabled_reason_text"] == GONE_FR and english["disabled_reason_text"] == GONE_EN


def test_disabled_by_its_owner_and_enabled_again(manager, receiver):
    api, _client = manager
    endpoint_id = api.post(BASE, {"url": receiver.url, "event_types": ["customer.created"]}).json()["id"]
    body = api.patch(f"{BASE}/{endpoint_id}", {"enabled": False}, headers={"Accept-Language": "en"}).json()
    assert (body["disabled_reason"], body["disabled_reason_text"]) == ("owner", "Disabled by its owner.")
    assert _read(api, endpoint_id, "fr")["disabled_reason_text"] == "Désactivé par son propriétaire."
    body = api.patch(f"{BASE}/{endpoint_id}", {"enabled": True}).json()
    assert (body["disabled_reason"], body["disabled_reason_text"]) == ("", "")


def test_a_pending_delivery_of_a_disabled_endpoint_fails_with_a_code(manager, receiver):
    api, _client = manager
    endpoint_id = api.post(BASE, {"url": receiver.url, "event_types": ["customer.created"]}).json()["id"]
    make_customer()  # no commit callbacks run: the delivery stays pending
    outbox_relay()
    delivery = WebhookDelivery.objects.get(endpoint_id=endpoint_id)
    webhook_endpoint_disable(endpoint=WebhookEndpoint.objects.get(pk=endpoint_id), reason="owner")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_error == "endpoint_disabled"
    path = f"{BASE}/{endpoint_id}/deliveries"
    english = api.get(path, headers={"Accept-Language": "en"}).json()["deliveries"][0]
    french = api.get(path, headers={"Accept-Language": "fr"}).json()["deliveries"][0]
    assert english["last_error"] == "The endpoint was disabled."
    assert french["last_error"] == "Le point de terminaison a été désactivé."


def test_an_unknown_reason_is_refused(endpoint):
    endpoint_obj, _secret = endpoint
    with pytest.raises(ValueError):
        webhook_endpoint_disable(endpoint=endpoint_obj, reason="Désactivé parce que.")
    endpoint_obj.refresh_from_db()
    assert endpoint_obj.is_enabled and endpoint_obj.disabled_reason == ""


def test_the_admin_shows_the_reason_in_the_supervisors_language(supervisor, endpoint):
    endpoint_obj, _secret = endpoint
    client = Client()
    client.force_login(supervisor)
    client.post(
        "/admin/webhooks/webhookendpoint/",
        {"action": "disable_endpoints", "_selected_action": [endpoint_obj.pk]},
        headers={"Accept-Language": "en"},
    )
    endpoint_obj.refresh_from_db()
    assert endpoint_obj.disabled_reason == "supervisor"
    english = client.get("/admin/webhooks/webhookendpoint/", headers={"Accept-Language": "en"})
    french = client.get("/admin/webhooks/webhookendpoint/", headers={"Accept-Language": "fr"})
    assert "Disabled by a supervisor." in english.content.decode()
    assert "Désactivé par un superviseur." in french.content.decode()


def test_sentences_stored_before_become_codes(db):
    migration = importlib.import_module("webhooks.migrations.0003_disabled_reason_code")
    made = [webhook_endpoint_create(url=f"http://127.0.0.1:9/{n}", event_types=["customer.created"])[0] for n in range(4)]
    legacy = [
        "Le destinataire a répondu 410 Gone le 2026-11-30T10:00:00+00:00.",
        "Désactivé par son propriétaire.",
        "Disabled by a supervisor.",
        "",
    ]
    for endpoint_obj, text in zip(made, legacy, strict=True):
        WebhookEndpoint.objects.filter(pk=endpoint_obj.pk).update(disabled_reason=text)
    migration.sentences_to_codes(apps, None)
    assert [WebhookEndpoint.objects.get(pk=e.pk).disabled_reason for e in made] == ["gone", "owner", "supervisor", ""]


def test_the_suppression_reason_is_a_code_rendered_for_each_reader(db):
    context = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="1")
    first, _ = customer_upsert(context=context, external_id="A", email="a@example.com", email_verified=True)
    customer_erase(customer_id=first.pk, requested_by_type="staff", reason="asked")
    again, _ = customer_upsert(context=context, external_id="B", email="a@example.com", email_verified=True)
    event = ConsentEvent.objects.get(customer=again, key="customer.marketing_objection", reason_code="suppression_list")
    assert (event.reason_code, event.reason) == ("suppression_list", "")
    with translation.override("fr"):
        (row,) = event_rows([event], catalog_get())
        assert row.reason.startswith("Cette adresse appartient à une personne")
    with translation.override("en"):
        (row,) = event_rows([event], catalog_get())
        assert row.reason.startswith("This address belongs to a person")
