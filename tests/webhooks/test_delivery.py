"""Outbox → relay → signed delivery to a real receiver on 127.0.0.1, retries, dead letters, replay."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from contact_requests.models import CreatedByType
from contact_requests.services import Actor, contact_request_assign, contact_request_create
from outbox.models import OutboxEvent
from outbox.services import event_record
from preferences.changes import preferences_change
from preferences.state import PreferenceError
from tests.conftest import make_staff_user
from tests.webhooks.conftest import drive_until, make_customer, system_context
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.replay import deliveries_replay_range, delivery_replay


def test_a_preference_change_reaches_the_receiver_signed_thin_and_once(endpoint, receiver, django_capture_on_commit_callbacks):
    _endpoint, secret = endpoint
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer()
    with django_capture_on_commit_callbacks(execute=True):
        customer = preferences_change(
            customer_id=customer.pk, changes={"customer.language": "fr"}, context=system_context()
        ).document.customer
    payloads = receiver.payloads(secret)  # every signature verified by the standardwebhooks package
    assert [payload["type"] for payload in payloads] == ["customer.created", "customer.preferences_changed"]
    assert payloads[1]["data"] == {
        "customer_id": customer.pk,
        "external_id": "CRM-1",
        "version": customer.version,
        "changed": ["customer.language"],
    }
    assert payloads[1]["timestamp"].endswith("Z")
    assert len({item.webhook_id for item in receiver.received}) == 2
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_a_change_that_changes_nothing_and_a_rolled_back_change_send_nothing(endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer(language="fr")
    receiver.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"customer.language": "fr"}, context=system_context())
    with pytest.raises(PreferenceError), django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"nonsense": 1}, context=system_context())
    assert receiver.received == []
    assert OutboxEvent.objects.filter(type="customer.preferences_changed").count() == 0


def test_a_wrong_secret_does_not_verify(endpoint, receiver, django_capture_on_commit_callbacks):
    from standardwebhooks.webhooks import WebhookVerificationError

    from webhooks.secrets import secret_generate

    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    with pytest.raises(WebhookVerificationError):
        receiver.received[0].verified(secret_generate())


def test_contact_request_events(endpoint, receiver, django_capture_on_commit_callbacks):
    _endpoint, secret = endpoint
    agent = make_staff_user("agent@example.com", "agent")
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer()
        request = contact_request_create(
            customer=customer, reason="My bill", preferred_channel="email", created_by_type=CreatedByType.CUSTOMER
        )
    with django_capture_on_commit_callbacks(execute=True):
        contact_request_assign(contact_request_id=request.pk, actor=Actor.staff(agent), assignee=agent)
    payloads = receiver.payloads(secret)
    assert [payload["type"] for payload in payloads] == [
        "customer.created",
        "contact_request.created",
        "contact_request.changed",
    ]
    assert payloads[1]["data"] == {
        "contact_request_id": request.pk, "customer_id": customer.pk, "external_id": "CRM-1", "topic": None,
        "status": "open",
    }
    assert payloads[2]["data"]["old_status"] == "open"
    assert payloads[2]["data"]["status"] == "assigned"
    assert payloads[2]["data"]["change"] == "assigned"


def test_endpoints_get_only_the_event_types_they_want(receiver, db, django_capture_on_commit_callbacks):
    from webhooks.endpoints import webhook_endpoint_create

    _endpoint, secret = webhook_endpoint_create(url=receiver.url, event_types=["customer.erased"])
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer()
        event_record(type="customer.erased", payload={"customer_id": customer.pk, "external_id": None})
    assert [payload["type"] for payload in receiver.payloads(secret)] == ["customer.erased"]


def test_one_relay_per_transaction_however_many_events(endpoint, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for number in range(5):
            event_record(type="customer.erased", payload={"customer_id": number})
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    assert len(receiver.received) == 5


def test_a_receiver_that_fails_first_then_succeeds_gets_the_same_webhook_id(
    endpoint, receiver, fast_retries, django_capture_on_commit_callbacks
):
    _endpoint, secret = endpoint
    receiver.plan = [(500, {}), (503, {}), (429, {})]
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    # Scheduled after the failed attempt (not after "now": the 0.05 s delay may be over already on a
    # loaded machine by the time this line runs).
    assert delivery.next_attempt_at > delivery.attempt_log.get().attempted_at
    drive_until(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED, capture=django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.attempts == 4
    assert [item.webhook_id for item in receiver.received] == [delivery.webhook_id] * 4
    assert len(receiver.payloads(secret)) == 4  # each attempt signed afresh, each verifies
    log = list(delivery.attempt_log.order_by("attempted_at", "pk").values_list("status_code", flat=True))
    assert log == [500, 503, 429, 200]
    assert all(latency is not None for latency in delivery.attempt_log.values_list("latency_ms", flat=True))


def test_connection_refused_and_timeouts_are_retried(endpoint, receiver, fast_retries, django_capture_on_commit_callbacks, monkeypatch):
    from webhooks import transport

    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.2)
    original = transport.post
    monkeypatch.setattr(
        transport, "post", lambda **kwargs: original(**{**kwargs, "timeout": 0.2})
    )
    endpoint_obj, _secret = endpoint
    endpoint_obj.url = "http://127.0.0.1:9/closed"  # discard port: nobody listens
    endpoint_obj.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code is None and delivery.last_error


def test_retry_after_is_honoured(endpoint, receiver, fast_retries, django_capture_on_commit_callbacks):
    receiver.plan = [(429, {"Retry-After": "120"})]
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    delivery = WebhookDelivery.objects.get()
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)
    with django_capture_on_commit_callbacks(execute=True):
        from webhooks.relay import webhooks_redrive

        assert webhooks_redrive() == 0  # not due: no second attempt
    assert len(receiver.received) == 1


def test_410_disables_the_endpoint(endpoint, receiver, django_capture_on_commit_callbacks):
    endpoint_obj, _secret = endpoint
    receiver.plan = [(410, {})]
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer()
    endpoint_obj.refresh_from_db()
    assert not endpoint_obj.is_enabled and endpoint_obj.disabled_reason == "gone"  # a code, rendered when read
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"customer.language": "fr"}, context=system_context())
    assert len(receiver.received) == 1  # nothing more goes to a disabled endpoint


def test_a_receiver_that_never_succeeds_is_dead_lettered_supervisors_told_then_replayed(
    endpoint, receiver, fast_retries, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_WINDOW_SECONDS = 0.6
    supervisor = make_staff_user("supervisor@example.com", "supervisor")
    endpoint_obj, secret = endpoint
    receiver.default = (500, {})
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    drive_until(lambda: WebhookDelivery.objects.get().status == DeliveryStatus.DEAD, capture=django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.dead_at is not None and delivery.attempts >= 2
    assert [message.to for message in mail.outbox] == [[supervisor.email]]
    assert endpoint_obj.url in mail.outbox[0].subject or endpoint_obj.url in mail.outbox[0].body

    receiver.default = (204, {})  # the receiver is fixed
    settings.WEBHOOK_RETRY_WINDOW_SECONDS = 3600
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert {item.webhook_id for item in receiver.received} == {delivery.webhook_id}
    assert receiver.payloads(secret)[-1]["type"] == "customer.created"


def test_a_time_range_replay_resends_failures_and_what_a_disabled_endpoint_missed(
    endpoint, receiver, django_capture_on_commit_callbacks
):
    from webhooks.endpoints import webhook_endpoint_update

    endpoint_obj, secret = endpoint
    start = timezone.now()
    receiver.plan = [(410, {})]
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer()  # 410: disabled
    with django_capture_on_commit_callbacks(execute=True):
        preferences_change(customer_id=customer.pk, changes={"customer.language": "fr"}, context=system_context())
    assert len(receiver.received) == 1
    webhook_endpoint_update(endpoint=endpoint_obj, is_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        replayed = deliveries_replay_range(endpoint=endpoint_obj, since=start, until=timezone.now())
    assert replayed == 2
    types = [payload["type"] for payload in receiver.payloads(secret)]
    assert types[0] == "customer.created" and sorted(types[1:]) == ["customer.created", "customer.preferences_changed"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_replay_of_a_disabled_endpoint_is_refused(endpoint, receiver, django_capture_on_commit_callbacks):
    from webhooks.endpoints import WebhookError, webhook_endpoint_disable

    endpoint_obj, _secret = endpoint
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    webhook_endpoint_disable(endpoint=endpoint_obj, reason="supervisor")
    with pytest.raises(WebhookError):
        delivery_replay(delivery=WebhookDelivery.objects.select_related("endpoint").get())


def test_events_are_relayed_by_beat_when_the_broker_lost_the_task(endpoint, receiver, django_capture_on_commit_callbacks, monkeypatch):
    from webhooks import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.webhook_outbox_relay, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()  # the change succeeds; the relay could not be queued
    assert receiver.received == [] and OutboxEvent.objects.get().fanned_out_at is None
    monkeypatch.undo()
    drive_until(lambda: len(receiver.received) == 1, capture=django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
