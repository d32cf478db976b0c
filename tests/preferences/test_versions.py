"""One change, one version: every service call that changes a customer moves its version once, and
the webhook events of that call carry that one version; the next change gets the next one."""

import pytest

from outbox.models import OutboxEvent
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add, contact_point_remove
from preferences.customers import customer_upsert
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, Customer
from preferences.state import PreferenceError
from privacy.services import customer_erase

pytestmark = pytest.mark.django_db

API = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")


def _webhooks(customer) -> list[tuple[str, int]]:
    return [
        (event.type, event.payload["version"])
        for event in OutboxEvent.objects.order_by("id")
        if event.payload.get("customer_id") == customer.pk
    ]


def test_a_customer_created_with_a_phone_is_one_change_at_version_1():
    customer, created = customer_upsert(
        context=API, external_id="CRM-1", email="a@example.com", email_verified=True, phone="+33612345678"
    )
    assert created and customer.version == 1
    assert Customer.objects.get(pk=customer.pk).version == 1
    # One webhook for the creation, not a customer.created and a preferences_changed at the same version.
    assert _webhooks(customer) == [("customer.created", 1)]
    keys = set(ConsentEvent.objects.filter(customer=customer).values_list("key", flat=True))
    assert sum(key.startswith("contact_point.") for key in keys) == 2
    # The next change is version 2.
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=API)
    assert _webhooks(customer)[-1] == ("customer.preferences_changed", 2)
    assert Customer.objects.get(pk=customer.pk).version == 2


def test_an_upsert_that_changes_many_things_is_one_version_and_one_webhook():
    customer, _ = customer_upsert(context=API, external_id="CRM-1", email="a@example.com", email_verified=True)
    customer, created = customer_upsert(
        context=API,
        external_id="CRM-1",
        email="a@example.com",
        phone="+33612345678",
        phone_verified=True,
        first_name="Alex",
        language="en",
    )
    assert not created and customer.version == 2
    assert Customer.objects.get(pk=customer.pk).version == 2
    hooks = OutboxEvent.objects.filter(type="customer.preferences_changed")
    assert [event.payload["version"] for event in hooks] == [2]
    changed = hooks.get().payload["changed"]
    assert "customer.language" in changed and any(key.startswith("contact_point.") for key in changed)
    # The same upsert again changes nothing: no version, no webhook.
    customer, _ = customer_upsert(context=API, external_id="CRM-1", phone="+33612345678", first_name="Alex", language="en")
    assert customer.version == 2 and hooks.count() == 1


def test_a_change_that_changes_nothing_keeps_the_version():
    customer, _ = customer_upsert(context=API, external_id="CRM-1", email="a@example.com", email_verified=True)
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": False}, context=API)
    assert Customer.objects.get(pk=customer.pk).version == 1
    assert _webhooks(customer) == [("customer.created", 1)]


def test_contact_point_changes_are_one_version_each():
    customer, _ = customer_upsert(context=API, external_id="CRM-1", email="a@example.com", email_verified=True)
    point = contact_point_add(customer_id=customer.pk, kind="phone", value="0612345678", context=API)
    contact_point_remove(customer_id=customer.pk, contact_point_id=point.pk, context=API)
    assert _webhooks(customer) == [
        ("customer.created", 1),
        ("customer.preferences_changed", 2),
        ("customer.preferences_changed", 3),
    ]
    assert Customer.objects.get(pk=customer.pk).version == 3


def test_a_customer_on_the_suppression_list_is_created_objecting_at_version_1():
    first, _ = customer_upsert(context=API, external_id="CRM-1", email="a@example.com", email_verified=True)
    customer_erase(customer_id=first.pk, requested_by_type="staff", reason="asked by phone")
    customer, created = customer_upsert(context=API, external_id="CRM-2", email="a@example.com", email_verified=True)
    customer.refresh_from_db()
    assert created and customer.marketing_objection and customer.version == 1
    assert _webhooks(customer) == [("customer.created", 1)]
    assert ConsentEvent.objects.filter(customer=customer, reason_code="suppression_list").exists()


def test_a_refused_change_moves_no_version():
    customer, _ = customer_upsert(context=API, external_id="CRM-1", email="a@example.com", email_verified=True)
    with pytest.raises(PreferenceError):
        preferences_change(customer_id=customer.pk, changes={"subscription.offers.sms": "in"}, context=API)
    assert Customer.objects.get(pk=customer.pk).version == 1
    assert _webhooks(customer) == [("customer.created", 1)]


def _ledger_versions(customer) -> list[int]:
    return list(ConsentEvent.objects.filter(customer=customer).order_by("id").values_list("version", flat=True))


def test_every_ledger_event_carries_the_version_of_its_change():
    customer, _ = customer_upsert(
        context=API, external_id="CRM-1", email="a@example.com", email_verified=True, phone="+33612345678"
    )
    creation = _ledger_versions(customer)
    assert len(creation) > 2 and set(creation) == {1}  # initial state and both contact points: one change
    preferences_change(
        customer_id=customer.pk, changes={"customer.easy_read": True, "customer.large_print": True}, context=API
    )
    customer_upsert(context=API, external_id="CRM-1", first_name="Alex", language="en", phone="+33698765432")
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=API)  # nothing
    versions = _ledger_versions(customer)[len(creation):]
    assert versions == [2, 2, 3, 3]  # two keys at 2; the language and the new phone at 3
    assert Customer.objects.get(pk=customer.pk).version == 3
    # The webhook of each change carries the version its ledger events carry.
    assert _webhooks(customer) == [
        ("customer.created", 1),
        ("customer.preferences_changed", 2),
        ("customer.preferences_changed", 3),
    ]


def test_an_import_records_its_creations_at_version_1():
    from preferences.customers_import import customers_import

    results = customers_import(
        context=API,
        items=[{"external_id": f"IMP-{n}", "email": f"i{n}@example.com", "email_verified": True} for n in range(3)],
    )
    for customer, created, _errors in results:
        assert created and set(_ledger_versions(customer)) == {1}
