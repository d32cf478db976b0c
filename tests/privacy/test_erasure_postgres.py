"""An erasure racing other writers on the same customer, each on its own connection (PostgreSQL): an
address added, a setting changed or a contact request made at the same moment either lands before the
erasure (and is erased with the rest) or is refused after it; nothing personal is left behind."""

import time

import pytest

from contact_requests.actors import ContactRequestError
from contact_requests.models import ContactRequest
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ContactPoint, Customer
from preferences.state import PreferenceError
from privacy import services as privacy_services
from privacy.models import RequestedBy
from privacy.services import customer_erase
from tests.conftest import make_customer_user
from tests.contact_requests.helpers import request_for
from tests.postgresql import CONCURRENT_WRITERS
from tests.security.test_concurrency import _in_threads

pytestmark = CONCURRENT_WRITERS

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)


def _later(worker, seconds):
    def run():
        time.sleep(seconds)
        worker()
    return run


@pytest.mark.parametrize("erasure_first", [True, False], ids=["erasure-holds-the-lock-first", "writers-first"])
def test_writers_racing_an_erasure_leave_nothing_personal(monkeypatch, erasure_first):
    withdraw = privacy_services.contact_requests_withdraw

    def withdraw_slowly(**kwargs):  # the erasure holds the customer's lock a while: the others queue behind it
        withdraw(**kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(privacy_services, "contact_requests_withdraw", withdraw_slowly)
    for round_ in range(3):
        _, customer = make_customer_user(f"round{round_}@example.com")
        refused: list = []

        def erase(customer_id=customer.pk):
            customer_erase(customer_id=customer_id, requested_by_type=RequestedBy.CUSTOMER)

        def add_address(customer_id=customer.pk, refused=refused, round_=round_):
            try:
                contact_point_add(customer_id=customer_id, kind="email", value=f"second{round_}@example.com",
                                  context=CUSTOMER)
            except PreferenceError:
                refused.append("address")

        def change(customer_id=customer.pk, refused=refused):
            try:
                preferences_change(customer_id=customer_id, changes={"customer.large_print": True}, context=CUSTOMER)
            except PreferenceError:
                refused.append("change")

        def ask(customer=customer, refused=refused):
            try:
                request_for(customer, reason="Call me about my private matter.")
            except ContactRequestError:
                refused.append("request")

        if erasure_first:
            workers = [erase, *(_later(worker, 0.1) for worker in (add_address, change, ask))]
        else:
            workers = [_later(erase, 0.1), add_address, change, ask]
        assert _in_threads(workers) == []
        erased = Customer.objects.get(pk=customer.pk)
        assert erased.erased_at is not None
        assert not ContactPoint.objects.filter(customer=erased).exists()
        assert not ContactRequest.objects.filter(customer=erased).exclude(reason="").exists()
        assert sorted(refused) == (["address", "change", "request"] if erasure_first else [])
