"""Finding customers through the API: the list with its filters and cursor, and every document
operation by the client's own id."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import Scope
from preferences.models import Customer
from privacy.services import customer_erase
from tests.api.conftest import assert_problem, make_api_customer

LIST = "/api/v1/customers"
BY_EXTERNAL_ID = "/api/v1/customers/by-external-id/{}"


def _customers(count: int, start: int = 0) -> list[Customer]:
    return [make_api_customer(f"CRM-{n}", email=f"person{n}@example.com") for n in range(start, start + count)]


def test_the_list_pages_through_every_active_customer_in_id_order(api):
    customers = _customers(5)
    customer_erase(customer_id=customers[2].pk, requested_by_type="api_client", requested_by_id="1", reason="Asked.")
    seen, cursor = [], 0
    while True:
        page = api.get(LIST, after=cursor, limit=2)
        assert page.status_code == 200, page.content
        body = page.json()
        seen += [document["external_id"] for document in body["customers"]]
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
    assert seen == ["CRM-0", "CRM-1", "CRM-3", "CRM-4"]


def test_filters_find_a_customer_by_external_id_email_and_phone(api):
    _customers(3)
    make_api_customer("CRM-PHONE", email="", phone="06 12 34 56 78")
    assert [d["external_id"] for d in api.get(LIST, external_id="CRM-1").json()["customers"]] == ["CRM-1"]
    assert [d["external_id"] for d in api.get(LIST, email="Person2@Example.com").json()["customers"]] == ["CRM-2"]
    assert [d["external_id"] for d in api.get(LIST, phone="+33 6 12 34 56 78").json()["customers"]] == ["CRM-PHONE"]
    assert api.get(LIST, external_id="CRM-1", email="person2@example.com").json()["customers"] == []
    assert api.get(LIST, email="nobody@example.com").json() == {"customers": [], "next_cursor": None}


def test_updated_after_lists_only_the_customers_changed_since(api):
    old, recent = _customers(2)
    Customer.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert [d["id"] for d in api.get(LIST, updated_after=since).json()["customers"]] == [recent.pk]


def test_filtering_by_an_address_needs_the_scope_that_reads_addresses(make_api):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    _customers(1)
    body = assert_problem(api.get(LIST, email="person0@example.com"), 403)
    assert body["missing_scope"] == Scope.CONTACT_POINTS_READ
    assert_problem(api.get(LIST, phone="0612345678"), 403)
    listed = api.get(LIST).json()["customers"]
    assert listed and "value" not in listed[0]["contact_points"][0]  # no personal values without the scope


def test_the_list_refuses_what_it_does_not_understand(make_api):
    api, _client = make_api()
    assert_problem(api.get(LIST, emial="x@example.com"), 400)
    assert_problem(api.get(LIST, limit=0), 400)
    assert_problem(api.get(LIST, limit=201), 400)
    assert_problem(api.get(LIST, after=-1), 400)
    assert_problem(api.get(LIST, phone="12"), 400)
    assert_problem(api.get(LIST, updated_after="yesterday"), 400)
    writer, _client = make_api(Scope.CUSTOMERS_WRITE)
    assert_problem(writer.get(LIST), 403)


def test_the_list_costs_the_same_queries_for_two_customers_or_twenty(api):
    _customers(2)
    api.get(LIST)  # the key and the catalogue, cached
    with CaptureQueriesContext(connection) as two:
        assert len(api.get(LIST).json()["customers"]) == 2
    _customers(18, start=2)
    with CaptureQueriesContext(connection) as twenty:
        assert len(api.get(LIST, limit=50).json()["customers"]) == 20
    assert len(twenty) == len(two) <= 4


def test_a_document_read_and_changed_by_external_id(api):
    customer = make_api_customer("CRM with spaces é")
    path = BY_EXTERNAL_ID.format("CRM%20with%20spaces%20%C3%A9")
    read = api.get(path)
    assert read.status_code == 200, read.content
    assert read.json()["id"] == customer.pk
    assert api.get(path, headers={"If-None-Match": read["ETag"]}).status_code == 304
    changed = api.patch(path, {"changes": {"customer.large_print": True}}, headers={"If-Match": read["ETag"]})
    assert changed.status_code == 200, changed.content
    customer.refresh_from_db()
    assert customer.large_print is True
    assert_problem(
        api.patch(path, {"changes": {"customer.large_print": False}}, headers={"If-Match": read["ETag"]}), 412
    )


def test_by_external_id_is_a_404_for_unknown_and_erased_customers(api):
    customer = make_api_customer("CRM-GONE")
    assert_problem(api.get(BY_EXTERNAL_ID.format("CRM-NOBODY")), 404)
    customer_erase(customer_id=customer.pk, requested_by_type="api_client", requested_by_id="1", reason="Asked.")
    assert_problem(api.get(BY_EXTERNAL_ID.format("CRM-GONE")), 404)
    assert_problem(api.patch(BY_EXTERNAL_ID.format("CRM-GONE"), {"changes": {}}, headers={"If-Match": '"1"'}), 404)


def test_by_external_id_needs_the_same_scopes_as_by_id(make_api):
    make_api_customer("CRM-5")
    reader, _client = make_api(Scope.DECISIONS_READ)
    assert_problem(reader.get(BY_EXTERNAL_ID.format("CRM-5")), 403)
    read_only, _client = make_api(Scope.CUSTOMERS_READ)
    response = read_only.patch(BY_EXTERNAL_ID.format("CRM-5"), {"changes": {}}, headers={"If-Match": '"1"'})
    assert_problem(response, 403)


def test_an_external_id_with_a_slash_is_found_through_the_list(api):
    customer = make_api_customer("EU/2026/42")
    assert [d["id"] for d in api.get(LIST, external_id="EU/2026/42").json()["customers"]] == [customer.pk]


def test_a_document_found_by_external_id_says_its_address_under_our_id(api):
    """RFC 9110 §8.7: Content-Location says the body is the customer at /customers/{id} (Location alone has no
    meaning on a 200 to a GET), on the 304 too (§15.4.5), and on a change's answer."""
    customer = make_api_customer("CRM/7")  # a slash: not reachable by external id in a path, so by the list
    other = make_api_customer("CRM-8", email="eight@example.com")
    address = f"/api/v1/customers/{other.pk}"
    read = api.get(BY_EXTERNAL_ID.format("CRM-8"))
    assert read["Location"] == read["Content-Location"] == address
    not_modified = api.get(BY_EXTERNAL_ID.format("CRM-8"), headers={"If-None-Match": read["ETag"]})
    assert not_modified.status_code == 304 and not_modified["Content-Location"] == address
    changed = api.patch(BY_EXTERNAL_ID.format("CRM-8"), {"changes": {"customer.easy_read": True}},
                        headers={"If-Match": read["ETag"]})
    assert changed.status_code == 200 and changed["Content-Location"] == changed["Location"] == address
    upsert = api.post(LIST, {"external_id": "CRM/7", "first_name": "Sept"})
    assert upsert["Content-Location"] == upsert["Location"] == f"/api/v1/customers/{customer.pk}"
