"""POST /api/v1/sms/inbound: a STOP reply opts the number out of marketing SMS."""

import pytest

from api.models import Scope
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, Subscription
from tests.api.conftest import assert_problem
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

URL = "/api/v1/sms/inbound"
CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)


@pytest.fixture
def two_customers_with_one_number(customer_user, other_customer_user):
    customers = [customer_user[1], other_customer_user[1]]
    for customer in customers:
        add_verified_phone(customer, "06 12 34 56 78")
        preferences_change(
            customer_id=customer.pk,
            changes={"subscription.offers.sms": "in", "subscription.surveys.sms": "in", "subscription.service.sms": "in"},
            context=CUSTOMER,
        )
    return customers


def sms_status(customer, topic: str) -> str:
    return Subscription.objects.get(customer=customer, topic__code=topic, channel="sms").status


@pytest.mark.parametrize(
    "text", ["STOP", "  stop ", "Stop SMS", "ARRET", "arrêt", "ARRÊT\n", "Stop.", "STOP svp", "stop please", "arret merci"]
)
def test_stop_opts_every_customer_with_the_number_out_of_marketing_sms(make_api, two_customers_with_one_number, text):
    api, client = make_api(Scope.SMS_INBOUND)
    response = api.post(URL, {"from": "+33612345678", "text": text})
    assert response.status_code == 200, response.content
    assert response.json() == {"action": "opted_out", "customers": 2}
    for customer in two_customers_with_one_number:
        assert sms_status(customer, "offers") == "out" and sms_status(customer, "surveys") == "out"
        assert sms_status(customer, "service") == "in"  # service messages are not marketing
        event = ConsentEvent.objects.filter(customer=customer, key="subscription.offers.sms").latest("id")
        assert (event.old_value, event.new_value) == ("in", "out")
        assert (event.actor_type, event.source, event.actor_id) == ("sms_stop", "sms_stop", str(client.pk))
    # The gateway retries: nothing more is written.
    before = ConsentEvent.objects.count()
    assert api.post(URL, {"from": "+33612345678", "text": text}).json()["action"] == "opted_out"
    assert ConsentEvent.objects.count() == before


def test_other_texts_are_ignored(make_api, two_customers_with_one_number):
    api, _client = make_api(Scope.SMS_INBOUND)
    # The whole table of texts is in tests/links/test_sms_stop_keywords.py.
    for text in ("Bonjour", "", "STOPPER", "Don't stop the emails", "Can you stop by tomorrow?"):
        response = api.post(URL, {"from": "+33612345678", "text": text})
        assert response.status_code == 200 and response.json()["action"] == "ignored"
    assert all(sms_status(c, "offers") == "in" for c in two_customers_with_one_number)


def test_unknown_numbers_are_fine_and_bad_input_is_400(make_api, db):
    api, _client = make_api(Scope.SMS_INBOUND)
    assert api.post(URL, {"from": "+33698765432", "text": "STOP"}).json() == {"action": "opted_out", "customers": 0}
    assert_problem(api.post(URL, {"from": "not a number", "text": "STOP"}), 400)
    assert_problem(api.post(URL, {"text": "STOP"}), 400)


def test_the_gateway_needs_its_own_scope(make_api, client, db):
    api, _client = make_api(Scope.CUSTOMERS_WRITE)
    assert_problem(api.post(URL, {"from": "+33612345678", "text": "STOP"}), 403)
    assert_problem(client.post(URL, {"from": "+33612345678", "text": "STOP"}, content_type="application/json"), 401)


def test_stop_costs_a_bounded_number_of_queries(make_api, two_customers_with_one_number, django_assert_max_num_queries):
    api, _client = make_api(Scope.SMS_INBOUND)
    with django_assert_max_num_queries(40):
        api.post(URL, {"from": "+33612345678", "text": "STOP"})
