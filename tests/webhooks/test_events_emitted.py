"""Every change that appends consent events also tells other systems, once, with the new version."""

import pytest

from outbox.models import OutboxEvent
from preferences.contact_points import contact_point_add, contact_point_remove
from preferences.domain import ContactPointKind
from preferences.models import Customer
from tests.conftest import make_customer_user
from tests.preferences.helpers import CUSTOMER, add_verified_phone

pytestmark = pytest.mark.django_db


def test_contact_point_changes_emit_preferences_changed_with_the_new_version():
    _, customer = make_customer_user("camille@example.com")
    assert list(OutboxEvent.objects.values_list("type", flat=True)) == ["customer.created"]
    point = contact_point_add(
        customer_id=customer.pk, kind=ContactPointKind.POSTAL, value="1 rue de la Paix\n75002 Paris", context=CUSTOMER
    )
    event = OutboxEvent.objects.latest("pk")
    assert event.type == "customer.preferences_changed"
    assert event.payload["changed"] == [f"contact_point.{point.pk}"]
    assert event.payload["version"] == Customer.objects.get(pk=customer.pk).version
    contact_point_remove(customer_id=customer.pk, contact_point_id=point.pk, context=CUSTOMER)
    assert OutboxEvent.objects.latest("pk").payload["version"] == Customer.objects.get(pk=customer.pk).version


def test_phone_verification_emits_an_event():
    _, customer = make_customer_user("camille@example.com")
    phone = add_verified_phone(customer, "0612345678")
    event = OutboxEvent.objects.latest("pk")
    assert event.payload["changed"] == [f"contact_point.{phone.pk}"]
    assert event.payload["version"] == Customer.objects.get(pk=customer.pk).version
