"""POST /api/v1/contact-plans: decisions for one customer or up to 1,000, in a fixed number of queries."""

from datetime import UTC, datetime, timedelta

import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import Scope
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ContactPoint, Customer, Subscription, Topic
from tests.api.conftest import assert_problem, make_api_customer
from tests.moments import recent_iso

URL = "/api/v1/contact-plans"
TUESDAY_NOON = recent_iso("2026-03-10T11:00:00Z")  # within the API's year


def _opt_in(customer, **changes):
    preferences_change(customer_id=customer.pk, changes=changes,
                       context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL))


def test_plan_for_one_customer(api, customer):
    response = api.post(URL, {"topic": "billing", "customer_ids": [customer.pk], "at": TUESDAY_NOON})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["topic"] == "billing" and body["unknown_customers"] == []
    (plan,) = body["plans"]
    assert plan["customer_id"] == customer.pk and plan["external_id"] == "CRM-1"
    assert plan["allowed"] is True and plan["reasons"] == [] and plan["delivery_mode"] == "first"
    assert plan["channels"] == [{"channel": "email", "contact_point_id": plan["channels"][0]["contact_point_id"],
                                 "address": "camille@example.com"}]
    assert plan["ai"]["disclosure_required"] is True and plan["next_allowed_at"] is None


def test_plan_by_external_ids_keeps_the_requested_order_and_lists_unknown_ones(api, customer):
    other = make_api_customer("CRM-2", email="dominique@example.com")
    response = api.post(URL, {"topic": "billing", "external_ids": ["CRM-2", "NOPE", "CRM-1", "CRM-2"]})
    body = response.json()
    assert [plan["customer_id"] for plan in body["plans"]] == [other.pk, customer.pk]
    assert body["unknown_customers"] == ["NOPE"]


def test_ai_generated_marketing_with_reasons_and_disclosure(api, customer):
    _opt_in(customer, **{"subscription.offers.email": "in", "topic.offers.ai_level": "human_only"})
    body = api.post(URL, {"topic": "offers", "ai_generated": True, "customer_ids": [customer.pk]}).json()
    (plan,) = body["plans"]
    assert plan["allowed"] is False and plan["reasons"] == ["ai_not_allowed"] and plan["channels"] == []
    body = api.post(URL, {"topic": "billing", "ai_generated": True, "customer_ids": [customer.pk]}).json()
    ai = body["plans"][0]["ai"]
    assert ai == {
        "level": "human_reviewed", "allowed": True, "requires_human_review": True, "disclosure_required": True,
        "disclosure_text": "This message was drafted with the help of artificial intelligence and reviewed by a person.",
    }


def test_quiet_hours_give_next_allowed_at(api, customer):
    phone = ContactPoint.objects.create(customer=customer, kind="phone", value="+33612345678", phone_type="mobile",
                                        verified_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert phone.is_usable
    _opt_in(customer, **{"subscription.service.sms": "in", "subscription.service.email": "out",
                         "customer.quiet_hours_start": "21:00", "customer.quiet_hours_end": "08:00"})
    body = api.post(URL, {"topic": "service", "customer_ids": [customer.pk], "at": recent_iso("2026-03-10T22:30:00Z")}).json()
    (plan,) = body["plans"]
    assert plan["reasons"] == ["quiet_hours"] and plan["allowed"] is False
    assert plan["next_allowed_at"] == recent_iso("2026-03-11T07:00:00Z")  # 08:00 in Paris
    assert plan["deferred"] == [{"channel": "sms", "not_before": recent_iso("2026-03-11T07:00:00Z"), "reason": "quiet_hours"}]


def test_reported_sends_count_towards_the_weekly_cap(api, customer):
    _opt_in(customer, **{"subscription.offers.email": "in", "customer.weekly_marketing_cap": 1})
    # Sends are reported in the past, and not over a year ago: this test's moments follow the clock.
    at = timezone.now().replace(microsecond=0)
    sent = (at - timedelta(days=2)).isoformat()
    api.post("/api/v1/sends", {"sends": [{"customer_id": customer.pk, "topic": "billing", "channel": "email",
                                          "sent_at": sent}]})
    assert api.post(URL, {"topic": "offers", "customer_ids": [customer.pk], "at": at.isoformat()}).json()["plans"][0]["allowed"]
    api.post("/api/v1/sends", {"sends": [{"customer_id": customer.pk, "topic": "offers", "channel": "email",
                                          "sent_at": sent}]})
    (plan,) = api.post(URL, {"topic": "offers", "customer_ids": [customer.pk], "at": at.isoformat()}).json()["plans"]
    assert plan["reasons"] == ["frequency_cap"]
    assert plan["next_allowed_at"] == (at + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")  # the send's week is over


def test_addresses_only_with_the_contact_points_scope(make_api, customer):
    ContactPoint.objects.create(customer=customer, kind="postal", value="1 rue de la Paix\n75002 Paris")
    _opt_in(customer, **{"topic.billing.paper_copy": True})
    api, _client = make_api(Scope.DECISIONS_READ)
    (plan,) = api.post(URL, {"topic": "billing", "customer_ids": [customer.pk]}).json()["plans"]
    assert plan["channels"][0].keys() == {"channel", "contact_point_id"}
    assert plan["paper_copy"] is True and "address" not in plan["paper_copy_address"]
    assert "example.com" not in str(plan) and "Paix" not in str(plan)


def test_refusals(make_api, customer):
    api, _client = make_api(Scope.DECISIONS_READ)
    assert_problem(api.post(URL, {"topic": "billing"}), 400)
    assert_problem(api.post(URL, {"topic": "billing", "customer_ids": [1], "external_ids": ["A"]}), 400)
    assert "topic" in assert_problem(api.post(URL, {"topic": "gossip", "customer_ids": [1]}), 400)["errors"]
    assert_problem(api.post(URL, {"topic": "billing", "customer_ids": list(range(1, 1002))}), 400)
    assert_problem(api.post(URL, {"topic": "billing", "customer_ids": ["x"]}), 400)
    assert_problem(api.post(URL, {"topic": "billing", "customer_ids": [1], "at": "tomorrow"}), 400)
    reader, _client = make_api(Scope.CUSTOMERS_READ)
    assert_problem(reader.post(URL, {"topic": "billing", "customer_ids": [customer.pk]}), 403)


def _many_customers(count: int) -> list[int]:
    """Rows made in bulk: a thousand customers through the services would take the test a minute."""
    start = Customer.objects.count()
    customers = Customer.objects.bulk_create(
        Customer(external_id=f"BULK-{start + index}", channel_ranking=["sms", "email"], weekly_marketing_cap=2)
        for index in range(count)
    )
    verified = datetime(2026, 1, 1, tzinfo=UTC)
    ContactPoint.objects.bulk_create(
        ContactPoint(customer=customer, kind="email", value=f"c{customer.pk}@example.com", verified_at=verified)
        for customer in customers
    )
    offers = Topic.objects.get(code="offers")
    Subscription.objects.bulk_create(
        Subscription(customer=customer, topic=offers, channel="email", status="in") for customer in customers
    )
    return [customer.pk for customer in customers]


def _plan_queries(api, ids: list[int]) -> int:
    api.post(URL, {"topic": "offers", "customer_ids": ids[:1]})  # warms the catalogue cache and the key's last use
    with CaptureQueriesContext(connection) as queries:
        response = api.post(URL, {"topic": "offers", "ai_generated": True, "customer_ids": ids})
    assert response.status_code == 200
    assert len(response.json()["plans"]) == len(ids)
    return len(queries)


def test_a_thousand_customers_in_at_most_six_queries(api, db, django_assert_max_num_queries):
    ids = _many_customers(1000)
    small = _plan_queries(api, ids[:10])
    large = _plan_queries(api, ids)
    # The key comes from the cache. Customers with their subscriptions and contact points, and on
    # PostgreSQL their marketing sends of the week beside them: 1. Elsewhere 3, and the sends 1.
    assert small == large == (1 if connection.vendor == "postgresql" else 4)
    with django_assert_max_num_queries(6):
        api.post(URL, {"topic": "offers", "customer_ids": ids})


def test_a_call_no_moment_fits_is_no_allowed_time_through_the_api(api, customer):
    # A verified landline (set up as the customer would); quiet 09:00-21:00 covers every legal call slot.
    ContactPoint.objects.create(customer=customer, kind="phone", value="+33142868200", phone_type="landline",
                                verified_at=datetime(2026, 1, 1, tzinfo=UTC))
    _opt_in(customer, **{"subscription.surveys.phone": "in", "customer.quiet_hours_start": "09:00",
                         "customer.quiet_hours_end": "21:00"})
    body = api.post(URL, {"topic": "surveys", "customer_ids": [customer.pk], "at": TUESDAY_NOON}).json()
    (plan,) = body["plans"]
    assert plan["allowed"] is False and plan["reasons"] == ["no_allowed_time"]
    assert plan["next_allowed_at"] is None and plan["deferred"] == [] and plan["channels"] == []


def test_every_plan_carries_the_assistance_mode(api, customer):
    other = make_api_customer("CRM-2", email="dominique@example.com")
    _opt_in(customer, **{"customer.assistance_mode": "human_first"})
    body = api.post(URL, {"topic": "offers", "customer_ids": [customer.pk, other.pk]}).json()
    modes = {plan["customer_id"]: (plan["allowed"], plan["assistance_mode"]) for plan in body["plans"]}
    # Refused plans (nobody opted in to offers) tell it too: a chatbot needs it either way.
    assert modes == {customer.pk: (False, "human_first"), other.pk: (False, "bot_ok")}
    schema = api.get("/api/schema/", format="json").json()["components"]["schemas"]["ContactPlanOut"]
    assert "assistance_mode" in schema["properties"] and "assistance_mode" in schema["required"]
    assert "no_allowed_time" in schema["properties"]["reasons"]["description"]


def test_unknown_customers_are_echoed_as_given(api, customer, client):
    by_id = api.post(URL, {"topic": "billing", "customer_ids": [customer.pk, 99999]}).json()
    assert [plan["customer_id"] for plan in by_id["plans"]] == [customer.pk]
    assert by_id["unknown_customers"] == [99999]  # an integer, as sent in customer_ids
    by_external_id = api.post(URL, {"topic": "billing", "external_ids": ["99999", "CRM-1"]}).json()
    assert by_external_id["unknown_customers"] == ["99999"]  # a string, as sent in external_ids
    schema = yaml.safe_load(client.get("/api/schema/").content)
    unknown = schema["components"]["schemas"]["ContactPlanResponse"]["properties"]["unknown_customers"]
    assert {branch["items"]["type"] for branch in unknown["anyOf"]} == {"integer", "string"}
