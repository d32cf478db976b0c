"""Upsert (single and batch) with a postal address, messaging accounts and app installations: stored
as POST …/contact-points stores them, in the ledger, validated alike (an invalid address fails only
its item of a batch), and the batch's statements still do not grow with it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from preferences.models import ConsentEvent, ContactPoint, Customer
from tests.api.conftest import assert_problem, make_api_customer

UPSERT = "/api/v1/customers"
BATCH = "/api/v1/customers/batch"
ADDRESS = {"lines": ["Camille Martin", "12 rue des Lilas"], "postcode": "69003", "city": "Lyon"}
POSTAL_VALUE = "Camille Martin\n12 rue des Lilas\n69003 LYON"


def _points(customer: Customer) -> dict[str, list[tuple[str, bool]]]:
    points: dict[str, list[tuple[str, bool]]] = {}
    for point in ContactPoint.objects.filter(customer=customer).order_by("id"):
        points.setdefault(point.kind, []).append((point.value, point.is_verified))
    return points


def _full(external_id: str = "CRM-P1", **extra) -> dict:
    return {
        "external_id": external_id,
        "postal_address": ADDRESS,
        "postal_address_verified": True,
        "messaging": [
            {"service": "whatsapp", "value": "06 12 34 56 78", "verified": True},
            {"service": "telegram", "value": "@camille_m"},
        ],
        "app_installations": [{"value": "ios:7f3c9a0e-1b2d", "verified": True}],
        **extra,
    }


def test_a_postal_only_customer_is_created_with_its_points_in_the_ledger(api):
    response = api.post(UPSERT, _full())
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(external_id="CRM-P1")
    assert _points(customer) == {
        "postal": [(POSTAL_VALUE, True)],
        "messaging": [("whatsapp:+33612345678", True), ("telegram:@camille_m", False)],
        "app": [("ios:7f3c9a0e-1b2d", True)],
    }
    assert {"postal", "messaging", "app"} <= set(response.json()["usable_channels"])
    keys = set(ConsentEvent.objects.filter(customer=customer, version=1).values_list("key", flat=True))
    assert {f"contact_point.{pk}" for pk in ContactPoint.objects.filter(customer=customer).values_list("pk", flat=True)} <= keys


def test_an_existing_customer_gets_the_new_points_once_and_a_verification(api, customer):
    version = customer.version
    body = {"external_id": "CRM-1", "postal_address": {**ADDRESS, "country": "fr"},
            "messaging": [{"service": "telegram", "value": "@camille_m"}]}
    assert api.post(UPSERT, body).status_code == 200
    customer.refresh_from_db()
    assert customer.version == version + 1
    assert _points(customer)["postal"] == [(POSTAL_VALUE, False)]
    # Again, now verified: the same points, the messaging account verified, one more version.
    body["messaging"][0]["verified"] = True
    assert api.post(UPSERT, body).status_code == 200
    assert api.post(UPSERT, body).status_code == 200  # nothing new: no version
    customer.refresh_from_db()
    assert customer.version == version + 2
    assert _points(customer)["messaging"] == [("telegram:@camille_m", True)]
    assert len(_points(customer)["postal"]) == 1


def test_a_point_given_twice_in_one_upsert_is_stored_once(api):
    handles = [{"service": "whatsapp", "value": "06 12 34 56 78"}, {"service": "whatsapp", "value": "+33612345678", "verified": True}]
    assert api.post(UPSERT, {"external_id": "CRM-P2", "messaging": handles}).status_code == 201
    assert _points(Customer.objects.get(external_id="CRM-P2")) == {"messaging": [("whatsapp:+33612345678", True)]}


def test_refusals_name_the_field_and_change_nothing(api, customer):
    cases = [
        ({"postal_address": {**ADDRESS, "postcode": "6900"}}, "postal_address"),  # not a French postcode
        ({"postal_address": {**ADDRESS, "country": "BE"}}, "postal_address"),  # Belgian postcodes have 4 digits
        ({"postal_address": {**ADDRESS, "street": "x"}}, "postal_address"),  # unknown field, nested
        ({"postal_address_verified": True}, "postal_address_verified"),
        ({"messaging": [{"service": "icq", "value": "12345"}]}, "messaging"),
        ({"messaging": [{"service": "whatsapp", "value": "01 42 68 53 00"}]}, "messaging"),  # a landline
        ({"messaging": [{"service": "telegram", "value": "not a handle!"}]}, "messaging"),
        ({"app_installations": [{"value": "a b"}]}, "app_installations"),
        ({"app_installations": [{"value": f"id{n}"} for n in range(11)]}, "app_installations"),
    ]
    events = ConsentEvent.objects.count()
    for extra, field in cases:
        body = assert_problem(api.post(UPSERT, {"external_id": "CRM-1", **extra}), 400)
        assert field in body["errors"], (extra, body)
    assert ConsentEvent.objects.count() == events
    assert set(_points(customer)) == {"email"}


def test_a_bad_messaging_account_is_named_at_its_place_in_the_list(api, customer):
    # It was reported under `messaging` alone: with several accounts, the client could not tell which.
    handles = [
        {"service": "telegram", "value": "camille_m"},
        {"service": "whatsapp", "value": "01 42 68 53 00"},  # a landline
        {"service": "telegram", "value": "not a handle!"},
    ]
    body = assert_problem(api.post(UPSERT, {"external_id": "CRM-1", "messaging": handles}), 400)
    errors = body["errors"]["messaging"]
    assert [sorted(item) for item in errors] == [[], ["value"], ["value"]]
    assert "mobile" in errors[1]["value"][0]
    assert set(_points(customer)) == {"email"}


def test_an_invalid_address_fails_only_its_item_of_a_batch(api):
    items = [
        _full("CRM-P1"),
        _full("CRM-P2", postal_address={**ADDRESS, "postcode": "ABC"}),
        _full("CRM-P3", messaging=[{"service": "whatsapp", "value": "01 42 68 53 00"}]),  # refused by the service's rule
        _full("CRM-P4", app_installations=[{"value": "app-4"}]),
    ]
    answer = api.post(BATCH, {"customers": items}).json()
    assert [r["status"] for r in answer["results"]] == ["applied", "failed", "failed", "applied"]
    assert "postal_address" in answer["results"][1]["problem"]["errors"]
    assert answer["results"][2]["problem"]["errors"]["messaging"][0]["value"]
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["CRM-P1", "CRM-P4"]
    created = Customer.objects.get(external_id="CRM-P4")
    assert _points(created)["app"] == [("app-4", False)] and _points(created)["postal"] == [(POSTAL_VALUE, True)]
    # The COPY path records each point as customer_upsert does: one creation event each, at version 1.
    keys = set(ConsentEvent.objects.filter(customer=created, version=1).values_list("key", flat=True))
    assert {f"contact_point.{pk}" for pk in ContactPoint.objects.filter(customer=created).values_list("pk", flat=True)} <= keys


def test_a_batch_updates_existing_customers_with_the_new_points(api):
    existing = make_api_customer("CRM-P1")
    answer = api.post(BATCH, {"customers": [_full("CRM-P1"), _full("CRM-P2")], "atomic": True}).json()
    assert [(r["status"], r["created"]) for r in answer["results"]] == [("applied", False), ("applied", True)]
    assert set(_points(existing)) == {"email", "postal", "messaging", "app"}


def test_the_batch_queries_do_not_grow_with_points(api):
    api.post(BATCH, {"customers": [_full("CRM-W0")]})  # warms the caches (key, catalogue, notices)
    counts = []
    for first, size in ((100, 5), (200, 40)):
        items = [
            _full(f"CRM-{first + n}", messaging=[{"service": "telegram", "value": f"user{first + n}"}])
            for n in range(size)
        ]
        items.append(_full(f"CRM-{first + size}", postal_address={**ADDRESS, "postcode": "1"}))  # fails alone
        with CaptureQueriesContext(connection) as queries:
            answer = api.post(BATCH, {"customers": items}).json()
        assert answer["applied"] == size and answer["failed"] == 1, answer["results"][-1]
        counts.append(len(queries))
    if connection.vendor == "postgresql":
        assert counts == [8, 8], counts
    else:  # SQLite splits bulk inserts by its parameter limit (999 variables)
        assert counts[0] <= 12 and counts[1] <= 24, counts
