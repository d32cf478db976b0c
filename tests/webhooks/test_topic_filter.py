"""Endpoints that list topics get only the events about those topics, and every event about no topic in
particular (a ping, a language change, an erasure): set through the API and the admin, validated
against the catalogue, delivered to real HTTP receivers."""

import threading
from datetime import timedelta
from http.server import ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from preferences.changes import preferences_change
from preferences.models import Topic
from privacy.services import customer_erase
from tests.api.conftest import assert_problem
from tests.contact_requests.helpers import request_for
from tests.webhooks.conftest import ALL_TYPES, Receiver, _handler_for, make_customer, system_context
from webhooks.endpoints import WebhookError, webhook_endpoint_create, webhook_endpoint_update
from webhooks.models import WebhookEndpoint
from webhooks.replay import deliveries_replay_range
from webhooks.rotation import webhook_endpoint_ping

BASE = "/api/v1/webhook-endpoints"


@pytest.fixture
def other_receiver():
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/other"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def _seen(receiver: Receiver, secret: str) -> list[tuple[str, tuple]]:
    """(type, the keys changed or the request's topic) of each event the receiver got, in order."""
    seen = []
    for payload in receiver.payloads(secret):
        data = payload["data"]
        seen.append((payload["type"], tuple(data.get("changed") or [data.get("topic")])))
    return seen


def test_only_events_about_its_topics_and_about_no_topic_reach_a_filtered_endpoint(
    db, receiver, other_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer()  # before any endpoint: sent nowhere
    newsletter_only, newsletter_secret = webhook_endpoint_create(
        url=receiver.url, event_types=ALL_TYPES, topics=["newsletter"]
    )
    _everything, secret = webhook_endpoint_create(url=other_receiver.url, event_types=ALL_TYPES)
    context = system_context()
    billing = Topic.objects.get(code="billing")
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"subscription.newsletter.email": "in"}, context=context)
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=context)
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"customer.language": "fr"}, context=context)
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(
            customer_id=customer.pk,
            changes={"topic.offers.ai_level": "human_only", "topic.newsletter.ai_level": "human_only"},
            context=context,
        )
    with django_capture_on_commit_callbacks(execute=True):
        request_for(customer, topic=billing)
    with django_capture_on_commit_callbacks(execute=True):
        request_for(customer)  # about no topic
    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_ping(endpoint=newsletter_only)
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer_id=customer.pk, requested_by_type="staff", reason="asked by phone")
    got = _seen(receiver, newsletter_secret)
    assert [kind for kind, _detail in got] == [
        "customer.preferences_changed",  # the newsletter
        "customer.preferences_changed",  # the language: about no topic
        "customer.preferences_changed",  # offers and the newsletter at once
        "contact_request.created",  # the request about no topic
        "ping",
        "contact_request.changed",  # the erasure withdrew the open request about no topic
        "customer.erased",
    ], got
    assert got[0][1] == ("subscription.newsletter.email",) and got[1][1] == ("customer.language",)
    assert ("contact_request.created", ("billing",)) not in got
    everything = _seen(other_receiver, secret)
    assert ("customer.preferences_changed", ("subscription.offers.email",)) in everything
    assert ("contact_request.created", ("billing",)) in everything
    assert "ping" not in [kind for kind, _detail in everything]
    assert ("contact_request.changed", ("billing",)) in everything  # withdrawn too, sent only here


def test_a_replayed_range_keeps_the_topics(db, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer()
    endpoint, _secret = webhook_endpoint_create(url=receiver.url, event_types=ALL_TYPES, topics=["offers"])
    endpoint = webhook_endpoint_update(endpoint=endpoint, is_enabled=False)
    context = system_context()
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"subscription.newsletter.email": "in"}, context=context)
        preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=context)
    webhook_endpoint_update(endpoint=endpoint, is_enabled=True)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        count = deliveries_replay_range(endpoint=endpoint, since=now - timedelta(hours=1), until=now)
    assert count == 2  # the newsletter change is left out
    got = sorted((payload["type"], payload["data"].get("changed")) for payload in receiver.payloads(_secret))
    assert got == [("customer.created", None), ("customer.preferences_changed", ["subscription.offers.email"])]


def test_topics_are_set_read_and_cleared_through_the_api(make_api, receiver):
    api, _client = make_api("webhooks:manage")
    body = {"url": receiver.url, "event_types": ["customer.preferences_changed"], "topics": ["offers", "newsletter"]}
    created = api.post(BASE, body)
    assert created.status_code == 201, created.content
    assert created.json()["topics"] == ["offers", "newsletter"]
    url = f"{BASE}/{created.json()['id']}"
    assert api.get(url).json()["topics"] == ["offers", "newsletter"]
    changed = api.patch(url, {"topics": []})
    assert changed.status_code == 200, changed.content
    assert changed.json()["topics"] == [] and WebhookEndpoint.objects.get().topics == []
    without = api.post(BASE, {"url": receiver.url, "event_types": ["customer.created"]})
    assert without.json()["topics"] == []


def test_an_unknown_topic_is_a_400_problem(make_api, receiver):
    api, _client = make_api("webhooks:manage")
    body = {"url": receiver.url, "event_types": ["customer.preferences_changed"], "topics": ["newsletters"]}
    assert "topics" in assert_problem(api.post(BASE, body), 400)["errors"]
    assert not WebhookEndpoint.objects.exists()
    created = api.post(BASE, {**body, "topics": ["newsletter"]}).json()
    problem = assert_problem(api.patch(f"{BASE}/{created['id']}", {"topics": ["newsletter", 7]}), 400)
    assert "topics" in problem["errors"]
    assert WebhookEndpoint.objects.get().topics == ["newsletter"]
    with pytest.raises(WebhookError):
        webhook_endpoint_create(url=receiver.url, event_types=ALL_TYPES, topics=["nope"])


def test_a_supervisor_sets_topics_in_the_admin(supervisor, receiver):
    client = Client()
    client.force_login(supervisor)
    add = "/admin/webhooks/webhookendpoint/add/"
    form = client.get(add)
    assert form.status_code == 200 and b'value="newsletter"' in form.content
    body = {"url": receiver.url, "event_types": ["customer.preferences_changed"], "is_enabled": "on"}
    refused = client.post(add, {**body, "topics": ["nope"]})
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert client.post(add, {**body, "topics": ["newsletter", "offers"]}).status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.topics == ["newsletter", "offers"]
    change = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"
    assert client.post(change, {**body, "description": ""}).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.topics == []  # none ticked: every topic
    listed = client.get("/admin/webhooks/webhookendpoint/")
    assert listed.status_code == 200
