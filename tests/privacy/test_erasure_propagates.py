"""An erasure is itself an event: the change feed shows it, open requests are withdrawn, and no webhook
retry or replay ever sends the erased person's identifiers again."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contact_requests.escalation import contact_requests_escalate_overdue
from contact_requests.models import ContactRequest, ContactRequestEvent
from contact_requests.services import contact_request_assign
from outbox.models import OutboxEvent
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from preferences.selectors import preference_document_get
from preferences.state import state_rebuild
from privacy.services import customer_erase
from tests.contact_requests.helpers import request_for, staff_actor
from tests.webhooks.conftest import ALL_TYPES, make_customer, system_context
from webhooks.endpoints import webhook_endpoint_create
from webhooks.models import WebhookDelivery
from webhooks.replay import deliveries_replay_range, delivery_replay

pytestmark = pytest.mark.django_db

PORTAL = ChangeContext(
    actor_type=ActorType.CUSTOMER, source=Source.PORTAL, ip_truncated="198.51.100.0/24", user_agent="Mozilla/5.0 (X11)"
)


def test_the_change_feed_shows_the_erasure_as_one_event_with_nothing_personal(api, agent):
    customer = make_customer("CRM-9", first_name="Camille")
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=PORTAL)
    last_seen = ConsentEvent.objects.latest("id").pk
    customer_erase(
        customer_id=customer.pk, requested_by_type="staff", requested_by_id=str(agent.pk), reason="Letter from Camille, ref 9"
    )

    body = api.get("/api/v1/events", after=last_seen).json()
    assert [event["key"] for event in body["events"]] == ["customer.erased"]
    erased = body["events"][0]
    assert erased["customer_id"] == customer.pk and erased["external_id"] is None
    assert (erased["old_value"], erased["new_value"]) == (None, True)
    assert (erased["actor_type"], erased["actor_id"], erased["source"], erased["reason_code"]) == (
        "staff",
        str(agent.pk),
        "console",
        "erasure",
    )
    assert (erased["reason"], erased["evidence"]) == ("", "")  # the reason is on the Erasure row only
    event = ConsentEvent.objects.get(pk=erased["id"])
    assert (event.reason, event.ip_truncated, event.user_agent) == ("", "", "")
    # Earlier events keep what changed, without the personal values (see privacy/migrations/0002).
    earlier = ConsentEvent.objects.filter(customer=customer, key="customer.easy_read").latest("id")
    assert (earlier.new_value, earlier.user_agent, earlier.ip_truncated) == (True, "", "")
    # The erasure is a step in the customer's life, not a preference: the state still rebuilds.
    events = ConsentEvent.objects.filter(customer=customer).order_by("id").values_list("key", "new_value")
    assert state_rebuild(events) == preference_document_get(customer_id=customer.pk).state()


def test_open_requests_are_withdrawn_with_a_webhook_event_and_no_longer_escalate(agent, django_capture_on_commit_callbacks):
    customer = make_customer("CRM-9")
    waiting = request_for(customer, reason="Call me, Camille")
    handled = request_for(customer, reason="Another question")
    contact_request_assign(contact_request_id=handled.pk, actor=staff_actor(agent), assignee=agent)
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer_id=customer.pk, requested_by_type="customer", requested_by_id="")

    for request in (waiting, handled):
        request.refresh_from_db()
        assert (request.status, request.reason, request.closed_at is not None) == ("withdrawn", "", True)
        last = ContactRequestEvent.objects.filter(contact_request=request).latest("id")
        assert (last.kind, last.new_status, last.actor_type) == ("withdrawn", "withdrawn", "customer")
    changed = OutboxEvent.objects.filter(type="contact_request.changed", payload__change="withdrawn").order_by("pk")
    assert [event.payload["contact_request_id"] for event in changed] == [waiting.pk, handled.pk]
    assert changed[0].payload == {
        "contact_request_id": waiting.pk,
        "customer_id": customer.pk,
        "external_id": None,  # only customer.erased carries it
        "erased": True,
        "topic": None,  # a topic code says nothing of the person: kept
        "status": "withdrawn",
        "old_status": "open",
        "change": "withdrawn",
    }
    # Past its due time, nothing escalates: the queue no longer holds it.
    assert contact_requests_escalate_overdue(now=timezone.now() + timedelta(days=30)) == []
    assert not ContactRequest.objects.filter(status__in=("open", "assigned", "scheduled")).exists()


def test_a_replay_after_erasure_never_sends_the_external_id_again(receiver, django_capture_on_commit_callbacks):
    endpoint, secret = webhook_endpoint_create(url=receiver.url, event_types=ALL_TYPES)
    start = timezone.now() - timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer("CRM-9")
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"customer.language": "fr"}, context=system_context())
    assert [p["data"]["external_id"] for p in receiver.payloads(secret)] == ["CRM-9", "CRM-9"]

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer_id=customer.pk, requested_by_type="customer")
    erased = receiver.payloads(secret)[-1]
    assert erased["type"] == "customer.erased" and erased["data"]["external_id"] == "CRM-9"

    created = WebhookDelivery.objects.get(event__type="customer.created")
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(delivery=created)
    replayed = receiver.payloads(secret)[-1]
    assert replayed["type"] == "customer.created"
    assert replayed["data"] == {"customer_id": customer.pk, "external_id": None, "version": 1, "erased": True}
    assert receiver.received[-1].webhook_id == created.webhook_id  # the same delivery, redacted

    before = len(receiver.received)
    with django_capture_on_commit_callbacks(execute=True):
        count = deliveries_replay_range(
            endpoint=endpoint, since=start, until=timezone.now() + timedelta(seconds=1), include_succeeded=True
        )
    assert count == 3
    sent = receiver.payloads(secret)[before:]
    identified = [p for p in sent if p["data"].get("external_id") is not None]
    assert [p["type"] for p in identified] == ["customer.erased"]  # the erasure notice alone names it
    assert all(p["data"].get("erased") is True for p in sent if p["type"] != "customer.erased")
    assert "CRM-9" not in str(list(OutboxEvent.objects.exclude(type="customer.erased").values_list("payload", flat=True)))


def test_another_customers_events_are_left_alone():
    erased, kept = make_customer("CRM-9"), make_customer("CRM-10", email="dominique@example.com")
    customer_erase(customer_id=erased.pk, requested_by_type="customer")
    assert OutboxEvent.objects.get(type="customer.created", payload__customer_id=kept.pk).payload["external_id"] == "CRM-10"
    assert "erased" not in OutboxEvent.objects.get(type="customer.created", payload__customer_id=kept.pk).payload


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of a PostgreSQL query")
def test_the_redaction_finds_the_customers_events_through_an_index():
    customer = make_customer("CRM-9")
    query = OutboxEvent.objects.filter(payload__customer_id=customer.pk).exclude(type="customer.erased")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether the index can be used
        plan = query.explain()
    assert "outbox_customer_idx" in plan
