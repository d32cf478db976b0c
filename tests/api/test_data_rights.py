"""Erasure and data export through the API: the same services as the portal and the console."""

import csv
import io

import pytest
from django.utils import timezone

from api.models import Scope
from api.services import SendReport, sends_record
from contact_requests.models import ContactRequest
from outbox.models import OutboxEvent
from preferences.catalog import catalog_get
from preferences.models import ConsentEvent, Customer
from privacy.models import DataExport, Erasure, RequestedBy
from privacy.services import customer_erase, data_export_build, data_export_request
from tests.api.conftest import assert_problem, make_api_customer
from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db

INJECTION = "=cmd|' /C calc'!A0"


def erasure_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/erasure"


def exports_url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/data-exports"


# --- Erasure ---------------------------------------------------------------------------------------


def test_a_client_erases_a_customer_with_a_reason(make_api, customer):
    api, client = make_api(Scope.CUSTOMERS_ERASE)
    waiting = request_for(customer, reason="Call me")
    response = api.post(erasure_url(customer), {"reason": "Asked by phone, ticket 4411"})
    assert response.status_code == 200, response.content
    body = response.json()
    customer.refresh_from_db()
    assert body["customer_id"] == customer.pk and customer.erased_at is not None and customer.external_id is None
    assert body["erased_at"].endswith("Z")
    erasure = Erasure.objects.get(customer=customer)
    assert (erasure.requested_by_type, erasure.requested_by_id, erasure.reason) == (
        "api_client",
        str(client.pk),
        "Asked by phone, ticket 4411",
    )
    # The same service as the console's: ledger event, withdrawn request, webhook with the external id.
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (event.key, event.actor_type, event.actor_id, event.source, event.reason) == (
        "customer.erased",
        "api_client",
        str(client.pk),
        "api",
        "",
    )
    waiting.refresh_from_db()
    assert waiting.status == "withdrawn"
    assert OutboxEvent.objects.get(type="customer.erased").payload["external_id"] == "CRM-1"
    # The customer is gone for every client.
    reader, _client = make_api(Scope.CUSTOMERS_READ)
    assert_problem(reader.get(f"/api/v1/customers/{customer.pk}"), 404)


def test_a_client_erases_a_customer_by_its_own_id(make_api):
    api, _client = make_api(Scope.CUSTOMERS_ERASE)
    customer = make_api_customer("CRM-42")
    numeric = make_api_customer(str(make_api_customer("CRM-43").pk), email="other@example.com")  # an external id of digits
    response = api.post("/api/v1/customers/by-external-id/CRM-42/erasure", {"reason": "GDPR request"})
    assert response.status_code == 200 and response.json()["customer_id"] == customer.pk
    # By external id, digits name the external id, never a customer's id.
    response = api.post(f"/api/v1/customers/by-external-id/{numeric.external_id}/erasure", {"reason": "GDPR request"})
    assert response.status_code == 200 and response.json()["customer_id"] == numeric.pk
    assert Customer.objects.filter(external_id="CRM-43", erased_at__isnull=True).exists()


def test_erasure_refusals(make_api, customer, client):
    api, _client = make_api(Scope.CUSTOMERS_ERASE)
    # A reason is required: missing, blank, not a string.
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "."}, {"reason": 12}, {"reason": "x" * 1001}):
        problem = assert_problem(api.post(erasure_url(customer), body), 400)
        assert "reason" in problem["errors"]
    # Unknown customers: by id and by external id, whatever the body.
    assert_problem(api.post("/api/v1/customers/999999/erasure", {"reason": "x"}), 404)
    assert_problem(api.post("/api/v1/customers/999999/erasure", {}), 404)
    assert_problem(api.post("/api/v1/customers/by-external-id/NOPE/erasure", {"reason": "x"}), 404)
    # Without the scope (even with every other one), or without a key.
    others = [scope for scope in Scope.values if scope != Scope.CUSTOMERS_ERASE]
    assert_problem(make_api(*others)[0].post(erasure_url(customer), {"reason": "x"}), 403)
    assert_problem(make_api(*others)[0].post("/api/v1/customers/by-external-id/CRM-1/erasure", {"reason": "x"}), 403)
    from tests.api.conftest import Api

    assert_problem(Api(client, None).post(erasure_url(customer), {"reason": "x"}), 401)
    customer.refresh_from_db()
    assert customer.erased_at is None and not Erasure.objects.exists()
    # Already erased: as unknown (no surface shows an erased customer), and nothing happens twice.
    assert api.post(erasure_url(customer), {"reason": "first"}).status_code == 200
    assert_problem(api.post(erasure_url(customer), {"reason": "again"}), 404)
    assert_problem(api.post("/api/v1/customers/by-external-id/CRM-1/erasure", {"reason": "again"}), 404)
    assert ConsentEvent.objects.filter(customer=customer, key="customer.erased").count() == 1


def test_the_schema_declares_the_refusals(api):
    schema = api.client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    paths = schema["paths"]
    erase = paths["/api/v1/customers/{customer_id}/erasure"]["post"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(erase["responses"])
    assert erase["security"]  # a key is needed
    erase_external = paths["/api/v1/customers/by-external-id/{external_id}/erasure"]["post"]
    assert {"200", "400", "403", "404"} <= set(erase_external["responses"])
    request = paths["/api/v1/customers/{customer_id}/data-exports"]["post"]
    assert {"202", "400", "403", "404"} <= set(request["responses"])
    status = paths["/api/v1/customers/{customer_id}/data-exports/{export_id}"]["get"]
    assert {"200", "403", "404"} <= set(status["responses"])
    download = paths["/api/v1/customers/{customer_id}/data-exports/{export_id}/download.{fmt}"]["get"]
    assert {"200", "403", "404", "409"} <= set(download["responses"])
    assert set(download["responses"]["200"]["content"]) == {"application/json", "text/csv"}


def test_the_schema_names_the_download_formats(api):
    # `fmt` was any string: a generator (or a client reading the schema) could not know that only json
    # and csv exist, and fuzzed the download with made-up formats (404s) rather than the files.
    schema = api.client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    download = schema["paths"]["/api/v1/customers/{customer_id}/data-exports/{export_id}/download.{fmt}"]["get"]
    fmt = next(parameter for parameter in download["parameters"] if parameter["name"] == "fmt")
    assert fmt["in"] == "path" and set(fmt["schema"]["enum"]) == {"json", "csv"}


# --- Data export -----------------------------------------------------------------------------------


def test_a_client_prepares_polls_and_downloads_an_export(make_api, customer, django_capture_on_commit_callbacks):
    api, client = make_api(Scope.CUSTOMERS_EXPORT)
    offers = catalog_get().topics_by_code["offers"]
    sends_record(
        client=client,
        reports=[SendReport(customer_id=customer.pk, topic_id=offers.pk, channel="email", sent_at=timezone.now(), message_id="m-77")],
    )
    request_for(customer, reason=INJECTION)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(exports_url(customer), {"reason": "Subject access request, ticket 9"})
    assert response.status_code == 202, response.content
    export = DataExport.objects.get()
    assert response["Location"] == f"/api/v1/customers/{customer.pk}/data-exports/{export.pk}"
    assert (export.requested_by_type, export.requested_by_id, export.reason) == (
        "api_client",
        str(client.pk),
        "Subject access request, ticket 9",
    )

    status = api.get(response["Location"])
    assert status.status_code == 200
    body = status.json()
    assert (body["id"], body["customer_id"], body["status"], body["progress"]) == (export.pk, customer.pk, "ready", 100)
    assert body["downloads"]["json"].endswith(f"/data-exports/{export.pk}/download.json")

    data = api.get(body["downloads"]["json"]).json()
    assert data["customer"]["external_id"] == "CRM-1"
    assert [(send["topic"], send["channel"], send["message_id"]) for send in data["sends"]] == [("offers", "email", "m-77")]
    assert data["contact_requests"][0]["reason"] == INJECTION  # JSON keeps the text as it is

    download = api.get(body["downloads"]["csv"], headers={"Accept": "text/csv"})
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["section", "item", "field", "value"]
    assert ["sends", str(data["sends"][0]["id"]), "message_id", "m-77"] in rows
    assert [row[3] for row in rows if row[0] == "contact_requests" and row[2] == "reason"] == ["'" + INJECTION]
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for value in row)


def test_an_export_by_external_id_and_one_at_a_time(make_api, customer):
    api, _client = make_api(Scope.CUSTOMERS_EXPORT)
    first = api.post("/api/v1/customers/by-external-id/CRM-1/data-exports", {})  # not prepared: no commit here
    assert first.status_code == 202 and first.json()["status"] == "pending" and first.json()["downloads"] is None
    again = api.post(exports_url(customer), {})
    assert again.json()["id"] == first.json()["id"]  # still in progress: the same job
    # Not ready yet: the download is a 409, the status says so.
    problem = assert_problem(api.get(f"{exports_url(customer)}/{first.json()['id']}/download.json"), 409)
    assert problem["type"] == "urn:portal:problem:export_not_ready"


def test_export_refusals(make_api, customer, customer_user, django_capture_on_commit_callbacks):
    api, _client = make_api(Scope.CUSTOMERS_EXPORT)
    other, _other_client = make_api(Scope.CUSTOMERS_EXPORT)
    with django_capture_on_commit_callbacks(execute=True):
        export_id = api.post(exports_url(customer), {}).json()["id"]
    detail = f"{exports_url(customer)}/{export_id}"
    # Another client's export, the customer's own (portal) export, one of another customer: 404.
    assert_problem(other.get(detail), 404)
    assert_problem(other.get(f"{detail}/download.json"), 404)
    _user, portal_customer = customer_user
    portal = data_export_request(customer_id=portal_customer.pk, requested_by_type=RequestedBy.CUSTOMER)
    data_export_build(export_id=portal.pk)
    assert_problem(api.get(f"{exports_url(portal_customer)}/{portal.pk}"), 404)
    assert_problem(api.get(f"{exports_url(portal_customer)}/{export_id}"), 404)
    # Unknown customer, export, format.
    assert_problem(api.post("/api/v1/customers/999999/data-exports", {}), 404)
    assert_problem(api.post("/api/v1/customers/by-external-id/NOPE/data-exports", {}), 404)
    assert_problem(api.get(f"{exports_url(customer)}/999999"), 404)
    assert_problem(api.get(f"{detail}/download.xml"), 404)
    # A reason that is not a string.
    assert_problem(api.post(exports_url(customer), {"reason": 5}), 400)
    # Without the scope.
    others = [scope for scope in Scope.values if scope != Scope.CUSTOMERS_EXPORT]
    without = make_api(*others)[0]
    assert_problem(without.post(exports_url(customer), {}), 403)
    assert_problem(without.get(detail), 403)
    assert_problem(without.get(f"{detail}/download.csv"), 403)
    # Once the customer is erased, their exports are gone and none can be asked for.
    customer_erase(customer_id=customer.pk, requested_by_type="staff", reason="Asked by letter")
    assert_problem(api.get(detail), 404)
    assert_problem(api.post(exports_url(customer), {}), 404)
    assert not DataExport.objects.filter(customer=customer).exists()
    assert not ContactRequest.objects.filter(customer=customer, status="open").exists()


def test_polling_an_export_costs_a_fixed_number_of_queries(make_api, customer, django_assert_max_num_queries):
    api, _client = make_api(Scope.CUSTOMERS_EXPORT)
    export_id = api.post(exports_url(customer), {}).json()["id"]
    api.get(f"{exports_url(customer)}/{export_id}")  # warms the key cache
    with django_assert_max_num_queries(3):
        assert api.get(f"{exports_url(customer)}/{export_id}").status_code == 200


def test_an_export_asked_by_external_id_is_under_our_id_and_the_schema_says_so(
    make_api, customer, django_capture_on_commit_callbacks
):
    """An external id may hold what a path cannot (a slash): the poll address and the files are under our id,
    whichever path asked. The answers did so; the schema's by-external-id operations did not say it."""
    api, _client = make_api(Scope.CUSTOMERS_EXPORT)
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.post("/api/v1/customers/by-external-id/CRM-1/data-exports", {})
    export_id = asked.json()["id"]
    assert asked["Location"] == f"/api/v1/customers/{customer.pk}/data-exports/{export_id}"
    read = api.get(f"/api/v1/customers/by-external-id/CRM-1/data-exports/{export_id}").json()
    assert read["downloads"]["csv"].endswith(f"/api/v1/customers/{customer.pk}/data-exports/{export_id}/download.csv")
    schema = api.client.get("/api/schema/", headers={"Accept": "application/json"}).json()
    operation = schema["paths"]["/api/v1/customers/by-external-id/{external_id}/data-exports"]["post"]
    assert "under our id" in operation["responses"]["202"]["headers"]["Location"]["description"]
    downloads = schema["components"]["schemas"]["DataExportDownloads"]["properties"]
    assert all("under our id" in downloads[fmt]["description"] for fmt in ("json", "csv"))
