"""Customers: upsert by external_id (single and batch), the preference document, changes with If-Match."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import Scope
from preferences.models import ConsentEvent, ContactPoint, Customer
from tests.api.conftest import assert_problem, make_api_customer

UPSERT = "/api/v1/customers"
BATCH = "/api/v1/customers/batch"
DETAIL = "/api/v1/customers/{}"


# --- Upsert ----------------------------------------------------------------------------------------


def test_upsert_creates_a_customer_as_a_ledger_event_of_the_client(make_api):
    api, client = make_api()
    response = api.post(UPSERT, {"external_id": "CRM-9", "email": "Alex@Example.com", "email_verified": True,
                                 "phone": "06 12 34 56 78", "first_name": "Alex", "language": "en"})
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(external_id="CRM-9")
    assert body["id"] == customer.pk and body["version"] == customer.version
    assert response["ETag"].startswith(f'"{customer.version}.')
    assert response["Location"] == DETAIL.format(customer.pk)
    assert body["settings"]["language"] == "en"
    assert {(p["kind"], p["value"], p["verified"]) for p in body["contact_points"]} == {
        ("email", "alex@example.com", True),
        ("phone", "+33612345678", False),
    }
    assert body["usable_channels"] == ["email"]  # the phone is not verified
    events = ConsentEvent.objects.filter(customer=customer)
    assert events.exists()
    assert set(events.values_list("actor_type", "source", "actor_id")) == {("api_client", "api", str(client.pk))}


def test_upsert_updates_the_existing_customer(api, customer):
    version = customer.version
    response = api.post(UPSERT, {"external_id": "CRM-1", "first_name": "Camille-Anne", "language": "fr",
                                 "phone": "+33612345678", "phone_verified": True})
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.first_name == "Camille-Anne" and customer.language == "fr"
    assert customer.version > version
    assert response.json()["version"] == customer.version
    assert ConsentEvent.objects.filter(customer=customer, key="customer.language", new_value="fr").exists()
    assert ContactPoint.objects.get(customer=customer, kind="phone").is_verified
    # The same again changes nothing.
    again = api.post(UPSERT, {"external_id": "CRM-1", "first_name": "Camille-Anne", "language": "fr"})
    assert again.json()["version"] == customer.version


def test_upsert_marks_an_existing_contact_point_verified(api):
    customer = make_api_customer(email_verified=False)
    api.post(UPSERT, {"external_id": "CRM-1", "email": "camille@example.com", "email_verified": True})
    assert ContactPoint.objects.get(customer=customer, kind="email").is_verified
    event = ConsentEvent.objects.filter(customer=customer, key__startswith="contact_point.").last()
    assert event.new_value["verified"] is True and event.actor_type == "api_client"


def test_upsert_refuses_bad_input(api):
    assert assert_problem(api.post(UPSERT, {"email": "a@example.com"}), 400)["errors"]["external_id"]
    assert assert_problem(api.post(UPSERT, {"external_id": "X", "email": "nope"}), 400)["errors"]["email"]
    assert assert_problem(api.post(UPSERT, {"external_id": "X", "phone": "12"}), 400)["errors"]["phone"]
    assert assert_problem(api.post(UPSERT, {"external_id": "X", "language": "de"}), 400)["errors"]["language"]
    assert assert_problem(api.post(UPSERT, ["not", "an", "object"]), 400)
    assert not Customer.objects.exists()


def test_upsert_refuses_malformed_json_and_other_media_types(api):
    response = api.client.post(UPSERT, "{not json", content_type="application/json",
                               headers={"Authorization": f"Bearer {api.key}"})
    assert assert_problem(response, 400)["type"] == "urn:portal:problem:parse_error"
    response = api.client.post(UPSERT, "external_id=X", content_type="application/x-www-form-urlencoded",
                               headers={"Authorization": f"Bearer {api.key}"})
    assert_problem(response, 415)


def test_upsert_of_an_erased_customer_is_refused(api, customer):
    Customer.objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    assert "external_id" in assert_problem(api.post(UPSERT, {"external_id": "CRM-1"}), 400)["errors"]


def test_upsert_needs_the_write_scope(make_api):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    assert_problem(api.post(UPSERT, {"external_id": "CRM-9"}), 403)


def test_batch_upsert_refuses_duplicates_empty_and_oversized_batches(api):
    assert_problem(api.post(BATCH, {"customers": [{"external_id": "A"}, {"external_id": "A"}]}), 400)
    assert_problem(api.post(BATCH, {"customers": []}), 400)
    assert_problem(api.post(BATCH, {"customers": [{"external_id": f"A{i}"} for i in range(1001)]}), 400)
    assert not Customer.objects.exists()


# --- Read ------------------------------------------------------------------------------------------


def test_read_document_with_version_and_etag(api, customer):
    response = api.get(DETAIL.format(customer.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == customer.version and response["ETag"].startswith(f'"{customer.version}.')
    assert body["external_id"] == "CRM-1" and body["first_name"] == "Camille"
    billing = next(topic for topic in body["topics"] if topic["code"] == "billing")
    assert billing == {
        "code": "billing", "kind": "service", "delivery_mode": "first", "paper_copy": False,
        "ai_level": "human_reviewed",
        "subscriptions": [{"channel": "email", "status": "in"}, {"channel": "sms", "status": "out"},
                          {"channel": "postal", "status": "out"}, {"channel": "app", "status": "out"}],
    }
    assert body["contact_points"][0]["value"] == "camille@example.com"


def test_read_without_contact_points_scope_hides_personal_values(make_api, customer):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    body = api.get(DETAIL.format(customer.pk)).json()
    assert "value" not in body["contact_points"][0] and body["contact_points"][0]["kind"] == "email"
    assert "first_name" not in body and "last_name" not in body
    assert "camille" not in str(body).lower()


def test_read_unknown_or_erased_customer_is_a_404_problem(api, customer):
    assert_problem(api.get(DETAIL.format(customer.pk + 1000)), 404)
    Customer.objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    assert_problem(api.get(DETAIL.format(customer.pk)), 404)


def test_read_document_in_one_query_on_postgresql(api, customer, django_assert_max_num_queries):
    api.get(DETAIL.format(customer.pk))  # warms the catalogue and key caches and records the key's last use
    with CaptureQueriesContext(connection) as queries:
        response = api.get(DETAIL.format(customer.pk))
    assert response.status_code == 200
    # The key comes from the cache. The document: the customer with its subscriptions and contact
    # points in one query on PostgreSQL; customer, subscriptions, contact points elsewhere.
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3), [query["sql"] for query in queries]
    assert "api_apikey" not in " ".join(query["sql"] for query in queries)


# --- Change ----------------------------------------------------------------------------------------


def test_change_with_if_match(make_api, customer):
    api, client = make_api()
    version = customer.version
    response = api.patch(
        DETAIL.format(customer.pk),
        {"changes": {"subscription.offers.email": "in", "customer.quiet_hours_start": "21:00",
                     "customer.quiet_hours_end": "08:00"}},
        headers={"If-Match": f'"{version}"'},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == version + 1 and response["ETag"].startswith(f'"{version + 1}.')
    assert body["settings"]["quiet_hours_start"] == "21:00"
    offers = next(topic for topic in body["topics"] if topic["code"] == "offers")
    # A marketing opt-in from another system waits for the customer's confirmation (double opt-in).
    assert {"channel": "email", "status": "pending"} in offers["subscriptions"]
    event = ConsentEvent.objects.get(customer=customer, key="subscription.offers.email")
    assert (event.old_value, event.new_value) == ("out", "pending")
    assert (event.actor_type, event.source, event.actor_id) == ("api_client", "api", str(client.pk))


def test_weak_etag_is_accepted(api, customer):
    response = api.patch(DETAIL.format(customer.pk), {"changes": {"customer.easy_read": True}},
                         headers={"If-Match": f'W/"{customer.version}"'})
    assert response.status_code == 200


def test_change_without_if_match_is_428(api, customer):
    body = assert_problem(api.patch(DETAIL.format(customer.pk), {"changes": {"customer.easy_read": True}}), 428)
    assert body["type"] == "urn:portal:problem:precondition_required"
    response = api.patch(DETAIL.format(customer.pk), {"changes": {"customer.easy_read": True}}, headers={"If-Match": "*"})
    assert_problem(response, 428)


def test_change_with_a_stale_version_is_412_and_writes_nothing(api, customer):
    stale = customer.version
    api.patch(DETAIL.format(customer.pk), {"changes": {"customer.easy_read": True}}, headers={"If-Match": f'"{stale}"'})
    count = ConsentEvent.objects.count()
    response = api.patch(DETAIL.format(customer.pk), {"changes": {"customer.large_print": True}},
                         headers={"If-Match": f'"{stale}"'})
    body = assert_problem(response, 412)
    assert body["current_version"] == stale + 1
    assert ConsentEvent.objects.count() == count
    assert_problem(api.patch(DETAIL.format(customer.pk), {"changes": {"customer.large_print": True}},
                             headers={"If-Match": '"garbage"'}), 412)


def test_change_that_breaks_a_rule_is_400_keyed_by_state_key(api, customer):
    response = api.patch(
        DETAIL.format(customer.pk),
        {"changes": {"customer.time_zone": "Mars/Olympus", "subscription.security.email": "out", "nope": 1}},
        headers={"If-Match": f'"{customer.version}"'},
    )
    errors = assert_problem(response, 400)["errors"]
    assert {"customer.time_zone", "nope"} <= set(errors)
    customer.refresh_from_db()
    assert customer.time_zone == "Europe/Paris"


def test_change_refuses_malformed_bodies(api, customer):
    headers = {"If-Match": f'"{customer.version}"'}
    assert_problem(api.patch(DETAIL.format(customer.pk), {"changes": {}}, headers=headers), 400)
    assert_problem(api.patch(DETAIL.format(customer.pk), {"changes": "x"}, headers=headers), 400)
    assert_problem(api.patch(DETAIL.format(customer.pk), {}, headers=headers), 400)


def test_change_needs_the_write_scope_and_an_existing_customer(make_api, customer):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    headers = {"If-Match": f'"{customer.version}"'}
    assert_problem(api.patch(DETAIL.format(customer.pk), {"changes": {"customer.easy_read": True}}, headers=headers), 403)
    writer, _client = make_api(Scope.CUSTOMERS_WRITE)
    assert_problem(writer.patch(DETAIL.format(customer.pk + 99), {"changes": {"customer.easy_read": True}},
                                headers=headers), 404)


def test_one_api_call_is_one_version_in_the_document_the_ledger_and_the_feed(api):
    created = api.post(UPSERT, {"external_id": "CRM-V", "email": "v@example.com", "email_verified": True,
                                "phone": "+33612345678", "phone_verified": True})
    assert created.status_code == 201 and created.json()["version"] == 1 and created["ETag"].startswith('"1.')
    customer_id = created.json()["id"]
    changed = api.patch(DETAIL.format(customer_id), {"changes": {"customer.easy_read": True, "customer.large_print": True}},
                        headers={"If-Match": '"1"'})
    assert changed.json()["version"] == 2
    events = [e for e in api.get("/api/v1/events", limit=1000).json()["events"] if e["customer_id"] == customer_id]
    versions = [event["version"] for event in events]
    assert versions == sorted(versions) and set(versions) == {1, 2}
    assert [e["key"] for e in events if e["version"] == 2] == ["customer.easy_read", "customer.large_print"]
    # The same upsert again changes nothing: the version stays.
    again = api.post(UPSERT, {"external_id": "CRM-V", "phone": "+33612345678", "phone_verified": True})
    assert again.status_code == 200 and again.json()["version"] == 2


def test_quiet_hours_that_start_and_end_at_the_same_time_are_400_and_write_nothing(api, customer):
    headers = {"If-Match": f'"{customer.version}"'}
    response = api.patch(
        DETAIL.format(customer.pk),
        {"changes": {"customer.quiet_hours_start": "08:00", "customer.quiet_hours_end": "08:00"}},
        headers={**headers, "Accept-Language": "fr"},
    )
    errors = assert_problem(response, 400)["errors"]
    assert errors["customer.quiet_hours_start"] == [
        "Les heures de tranquillité doivent commencer et finir à des heures différentes."
    ]
    customer.refresh_from_db()
    assert (customer.quiet_hours_start, customer.quiet_hours_end, customer.version) == (None, None, int(headers["If-Match"][1:-1]))
