"""preferences_change answers with the document as it now stands and the consent events it wrote."""

import pytest

from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from tests.conftest import make_customer_user

pytestmark = pytest.mark.django_db
CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)


def test_the_change_answers_with_the_events_it_wrote_and_the_new_document():
    _user, customer = make_customer_user("events@example.com")
    before = ConsentEvent.objects.filter(customer=customer).count()
    changed = preferences_change(
        customer_id=customer.pk,
        changes={"customer.easy_read": True, "subscription.offers.email": "in"},
        context=CUSTOMER,
    )
    written = list(ConsentEvent.objects.filter(customer=customer).order_by("id")[before:])
    assert [(e.pk, e.key, e.new_value) for e in changed.events] == [(e.pk, e.key, e.new_value) for e in written]
    assert {e.key for e in written} == {"customer.easy_read", "subscription.offers.email"}
    assert changed.document.customer.easy_read is True
    assert changed.document.customer.version == written[0].version
    assert changed.confirmations == []  # the customer's own opt-in needs no confirmation


def test_a_change_that_changes_nothing_answers_no_events():
    _user, customer = make_customer_user("same@example.com")
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=CUSTOMER)
    again = preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=CUSTOMER)
    assert again.events == [] and again.confirmations == []
