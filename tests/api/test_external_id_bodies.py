"""Every customer endpoint is reachable by the client's own id too (design §3): sends and human-contact
requests name their customer by `customer_id` or `external_id` (exactly one), a data export's status and
files are at /customers/by-external-id/{external_id}/… as well; the answers give both ids."""

import pytest

from api.models import Scope, Send
from contact_requests.models import ContactRequest
from privacy.models import DataExport, RequestedBy
from privacy.services import customer_erase, data_export_build, data_export_request
from tests.api.conftest import assert_problem, make_api_customer

pytestmark = pytest.mark.django_db

SENDS = "/api/v1/sends"
REQUESTS = "/api/v1/contact-requests"
BY_EXTERNAL_ID = "/api/v1/customers/by-external-id"


def _send(**fields):
    return {"topic": "offers", "channel": "email", **fields}


def _request(**fields):
    return {"reason": "Wants to discuss a refused refund.", "preferred_channel": "email", **fields}


def _names_both(problem: dict, errors: dict) -> str:
    """The message under both names (the same one), for a body that gave both or neither."""
    assert problem["type"] == "urn:portal:problem:validation_error", problem
    assert set(errors) == {"customer_id", "external_id"}, errors
    assert errors["customer_id"] == errors["external_id"]
    return errors["customer_id"][0]


# --- Sends ---------------------------------------------------------------------------------------


def test_sends_name_their_customer_by_either_id_and_are_answered_with_both(make_api, customer):
    api, _client = make_api(Scope.SENDS_WRITE)
    digits = make_api_customer(str(customer.pk + 1000), email="digits@example.com")  # an external id of digits
    response = api.post(SENDS, {"sends": [_send(external_id="CRM-1", message_id="m-1"), _send(customer_id=customer.pk),
                                          _send(external_id=digits.external_id)]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(r["customer_id"], r["external_id"], r["status"]) for r in body["results"]] == [
        (customer.pk, "CRM-1", "recorded"), (customer.pk, "CRM-1", "recorded"), (digits.pk, digits.external_id, "recorded")
    ]
    assert [Send.objects.get(pk=pk).customer_id for pk in body["ids"]] == [customer.pk, customer.pk, digits.pk]
    # A duplicate by the other id is still the customer's first send, answered with both ids.
    again = api.post(SENDS, {"sends": [_send(customer_id=customer.pk, message_id="m-1")]}).json()
    assert again["results"] == [{"index": 0, "id": body["ids"][0], "customer_id": customer.pk, "external_id": "CRM-1",
                                 "status": "duplicate"}]
    read = api.get(f"{SENDS}/{body['ids'][0]}").json()
    assert (read["customer_id"], read["external_id"]) == (customer.pk, "CRM-1")


def test_a_send_naming_its_customer_twice_or_not_at_all_is_refused_by_name(make_api, customer):
    api, _client = make_api(Scope.SENDS_WRITE)
    both = assert_problem(api.post(SENDS, {"sends": [_send(customer_id=customer.pk),
                                                     _send(customer_id=customer.pk, external_id="CRM-1")]}), 400)
    assert "not both" in _names_both(both, both["errors"]["sends"]["1"])
    assert "0" not in both["errors"]["sends"]
    neither = assert_problem(api.post(SENDS, {"sends": [_send()]}), 400)
    assert "external_id" in _names_both(neither, neither["errors"]["sends"]["0"])
    assert not Send.objects.exists()


def test_a_send_for_an_unknown_external_id_is_refused_as_an_unknown_customer_id_is(make_api, customer):
    api, _client = make_api(Scope.SENDS_WRITE)
    by_id = assert_problem(api.post(SENDS, {"sends": [_send(customer_id=customer.pk + 50)]}), 400)
    by_external_id = assert_problem(api.post(SENDS, {"sends": [_send(external_id="NOPE")]}), 400)
    assert by_external_id["errors"]["sends"]["0"] == {"external_id": by_id["errors"]["sends"]["0"]["customer_id"]}
    # Digits are an external id there, never our id; an erased customer's former external id names nobody.
    assert "external_id" in assert_problem(
        api.post(SENDS, {"sends": [_send(external_id=str(customer.pk))]}), 400
    )["errors"]["sends"]["0"]
    customer_erase(customer_id=customer.pk, requested_by_type="staff", reason="Asked by letter")
    assert "external_id" in assert_problem(api.post(SENDS, {"sends": [_send(external_id="CRM-1")]}), 400)["errors"]["sends"]["0"]
    assert not Send.objects.exists()


def test_sends_by_external_id_need_the_same_scope(make_api, customer):
    others = [scope for scope in Scope.values if scope != Scope.SENDS_WRITE]
    assert_problem(make_api(*others)[0].post(SENDS, {"sends": [_send(external_id="CRM-1")]}), 403)
    assert not Send.objects.exists()


def test_a_batch_by_external_ids_takes_a_fixed_number_of_queries(api, customer, django_assert_max_num_queries):
    """The customers of the batch are still found in one query, however they are named."""
    api.post(SENDS, {"sends": [_send(external_id="CRM-1", message_id="warm")]})
    sends = [_send(external_id="CRM-1") for _ in range(80)] + [_send(customer_id=customer.pk) for _ in range(80)]
    with django_assert_max_num_queries(7):
        assert api.post(SENDS, {"sends": sends}).json()["recorded"] == 160


# --- Human-contact requests ------------------------------------------------------------------------


def test_a_chatbot_asks_for_a_human_by_the_client_s_id(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE, Scope.CONTACT_REQUESTS_READ)
    response = api.post(REQUESTS, _request(external_id="CRM-1"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["customer_id"], body["external_id"]) == (customer.pk, "CRM-1")
    assert ContactRequest.objects.get().customer_id == customer.pk
    followed = api.get(response["Location"]).json()
    assert (followed["customer_id"], followed["external_id"]) == (customer.pk, "CRM-1")
    # The list: both ids on each request, and filtered by the client's id.
    other = make_api_customer("CRM-2", email="other@example.com")
    api.post(REQUESTS, _request(customer_id=other.pk))
    listed = api.get(REQUESTS).json()["contact_requests"]
    assert [(item["customer_id"], item["external_id"]) for item in listed] == [(other.pk, "CRM-2"), (customer.pk, "CRM-1")]
    assert [item["id"] for item in api.get(REQUESTS, external_id="CRM-1").json()["contact_requests"]] == [body["id"]]
    assert api.get(REQUESTS, external_id="NOPE").json()["contact_requests"] == []
    assert "external_id" in assert_problem(api.get(REQUESTS, external_id=" CRM-1"), 400)["errors"]


def test_the_list_by_external_id_shows_only_the_client_s_own_requests(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE, Scope.CONTACT_REQUESTS_READ)
    other, _other_client = make_api(Scope.CONTACT_REQUESTS_READ)
    assert api.post(REQUESTS, _request(external_id="CRM-1")).status_code == 201
    assert other.get(REQUESTS, external_id="CRM-1").json()["contact_requests"] == []


def test_a_request_naming_its_customer_twice_or_not_at_all_is_refused_by_name(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    both = assert_problem(api.post(REQUESTS, _request(customer_id=customer.pk, external_id="CRM-1")), 400)
    assert "not both" in _names_both(both, both["errors"])
    neither = assert_problem(api.post(REQUESTS, _request()), 400)
    _names_both(neither, neither["errors"])
    french = assert_problem(api.post(REQUESTS, _request(), headers={"Accept-Language": "fr"}), 400)
    assert _names_both(french, french["errors"]) == (
        "Désignez le client\u00a0: donnez customer_id (notre identifiant) ou external_id (le vôtre)."
    )
    # Even when the two name the same customer, or when one of them names nobody.
    assert_problem(api.post(REQUESTS, _request(customer_id=customer.pk + 9, external_id="CRM-1")), 400)
    assert not ContactRequest.objects.exists()


def test_a_request_for_an_unknown_external_id_is_a_404_as_for_an_unknown_customer_id(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    by_id = assert_problem(api.post(REQUESTS, _request(customer_id=customer.pk + 99)), 404)
    by_external_id = assert_problem(api.post(REQUESTS, _request(external_id="NOPE")), 404)
    assert (by_external_id["type"], by_external_id["detail"]) == (by_id["type"], by_id["detail"])
    assert_problem(api.post(REQUESTS, _request(external_id=str(customer.pk))), 404)  # digits: an external id
    customer_erase(customer_id=customer.pk, requested_by_type="staff", reason="Asked by letter")
    assert_problem(api.post(REQUESTS, _request(external_id="CRM-1")), 404)
    assert not ContactRequest.objects.filter(created_by_type="api_client").exists()


def test_a_request_by_external_id_needs_the_same_scope(make_api, customer):
    others = [scope for scope in Scope.values if scope != Scope.CONTACT_REQUESTS_WRITE]
    assert_problem(make_api(*others)[0].post(REQUESTS, _request(external_id="CRM-1")), 403)
    assert not ContactRequest.objects.exists()


# --- Changes to many customers: the same rule, in the same words --------------------------------------


def test_a_change_item_naming_its_customer_twice_or_not_at_all_is_refused_by_name(api, customer):
    """Its refusal said "not both" to an item that named no customer, and under no field's name."""
    changes = {"subscription.newsletter.email": "out"}
    neither = assert_problem(api.post("/api/v1/customers/changes", {"items": [{"changes": changes}]}), 400)
    assert "external_id" in _names_both(neither, neither["errors"]["items"]["0"])
    item = {"customer_id": customer.pk, "external_id": "CRM-1", "changes": changes}
    both = assert_problem(api.post("/api/v1/customers/changes", {"items": [item]}), 400)
    assert "not both" in _names_both(both, both["errors"]["items"]["0"])


# --- Data exports ---------------------------------------------------------------------------------


def test_an_export_is_followed_and_downloaded_by_the_client_s_id(make_api, customer, django_capture_on_commit_callbacks):
    api, _client = make_api(Scope.CUSTOMERS_EXPORT)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(f"{BY_EXTERNAL_ID}/CRM-1/data-exports", {})
    assert created.status_code == 202, created.content
    assert (created.json()["customer_id"], created.json()["external_id"]) == (customer.pk, "CRM-1")
    export_id = created.json()["id"]
    response = api.get(f"{BY_EXTERNAL_ID}/CRM-1/data-exports/{export_id}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["customer_id"], body["external_id"], body["status"]) == (export_id, customer.pk, "CRM-1", "ready")
    assert api.get(body["downloads"]["json"]).json()["customer"]["external_id"] == "CRM-1"
    by_external_id = api.get(f"{BY_EXTERNAL_ID}/CRM-1/data-exports/{export_id}/download.json")
    assert by_external_id.status_code == 200 and by_external_id.json()["customer"]["external_id"] == "CRM-1"
    csv_file = api.get(f"{BY_EXTERNAL_ID}/CRM-1/data-exports/{export_id}/download.csv")
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    # The path by our id answers the same, with both ids.
    numeric = api.get(f"/api/v1/customers/{customer.pk}/data-exports/{export_id}").json()
    assert numeric == body


def test_export_refusals_by_external_id(make_api, customer, customer_user, django_capture_on_commit_callbacks):
    api, _client = make_api(Scope.CUSTOMERS_EXPORT)
    other, _other_client = make_api(Scope.CUSTOMERS_EXPORT)
    pending = api.post(f"{BY_EXTERNAL_ID}/CRM-1/data-exports", {}).json()["id"]  # not prepared: no commit here
    detail = f"{BY_EXTERNAL_ID}/CRM-1/data-exports/{pending}"
    # Not ready: the download is a 409.
    assert assert_problem(api.get(f"{detail}/download.json"), 409)["type"] == "urn:portal:problem:export_not_ready"
    # Another client's export: 404, the status and the files.
    assert_problem(other.get(detail), 404)
    assert_problem(other.get(f"{detail}/download.json"), 404)
    # The export under another customer's external id, or a customer's own (portal) export: 404.
    make_api_customer("CRM-2", email="other@example.com")
    assert_problem(api.get(f"{BY_EXTERNAL_ID}/CRM-2/data-exports/{pending}"), 404)
    assert_problem(api.get(f"{BY_EXTERNAL_ID}/CRM-2/data-exports/{pending}/download.json"), 404)
    _user, portal_customer = customer_user
    portal = data_export_request(customer_id=portal_customer.pk, requested_by_type=RequestedBy.CUSTOMER)
    data_export_build(export_id=portal.pk)
    if portal_customer.external_id:
        assert_problem(api.get(f"{BY_EXTERNAL_ID}/{portal_customer.external_id}/data-exports/{portal.pk}"), 404)
    # Unknown external id (digits too: never our id), export, format.
    assert_problem(api.get(f"{BY_EXTERNAL_ID}/NOPE/data-exports/{pending}"), 404)
    assert_problem(api.get(f"{BY_EXTERNAL_ID}/{customer.pk}/data-exports/{pending}"), 404)
    assert_problem(api.get(f"{BY_EXTERNAL_ID}/CRM-1/data-exports/999999"), 404)
    assert_problem(api.get(f"{detail}/download.xml"), 404)
    # Without the scope.
    others = [scope for scope in Scope.values if scope != Scope.CUSTOMERS_EXPORT]
    without = make_api(*others)[0]
    assert_problem(without.get(detail), 403)
    assert_problem(without.get(f"{detail}/download.csv"), 403)
    # Once the customer is erased, their external id names nobody.
    customer_erase(customer_id=customer.pk, requested_by_type="staff", reason="Asked by letter")
    assert_problem(api.get(detail), 404)
    assert not DataExport.objects.filter(customer=customer).exists()


def test_polling_an_export_by_external_id_costs_a_fixed_number_of_queries(make_api, customer, django_assert_max_num_queries):
    api, _client = make_api(Scope.CUSTOMERS_EXPORT)
    export_id = api.post(f"{BY_EXTERNAL_ID}/CRM-1/data-exports", {}).json()["id"]
    api.get(f"{BY_EXTERNAL_ID}/CRM-1/data-exports/{export_id}")  # warms the key cache
    with django_assert_max_num_queries(3):
        assert api.get(f"{BY_EXTERNAL_ID}/CRM-1/data-exports/{export_id}").status_code == 200


# --- The schema -----------------------------------------------------------------------------------


@pytest.fixture
def schema(api):
    return api.client.get("/api/schema/", headers={"Accept": "application/json"}).json()


def test_the_schema_says_exactly_one_of_the_two_ids(schema):
    components = schema["components"]["schemas"]
    for name in ("SendIn", "ContactRequestIn"):
        component = components[name]
        assert component["oneOf"] == [{"required": ["customer_id"]}, {"required": ["external_id"]}], name
        assert "customer_id" not in component.get("required", []) and {"customer_id", "external_id"} <= set(component["properties"])
        assert component["properties"]["external_id"]["minLength"] == 1, name
    for name in ("SendResult", "SendOut", "ContactRequestOut", "ContactRequestDetailOut", "DataExportOut"):
        assert {"customer_id", "external_id"} <= set(components[name]["properties"]), name
        assert components[name]["properties"]["external_id"].get("nullable") is True, name


def test_the_schema_has_the_export_paths_by_external_id(schema):
    paths = schema["paths"]
    status = paths["/api/v1/customers/by-external-id/{external_id}/data-exports/{export_id}"]["get"]
    assert status["operationId"] == "customer_data_export_read_by_external_id"
    assert {"200", "401", "403", "404"} <= set(status["responses"])
    download = paths["/api/v1/customers/by-external-id/{external_id}/data-exports/{export_id}/download.{fmt}"]["get"]
    assert {"200", "403", "404", "409"} <= set(download["responses"])
    assert set(download["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    (external_id,) = [parameter for parameter in status["parameters"] if parameter["name"] == "external_id"]
    assert external_id["in"] == "path" and external_id["schema"]["type"] == "string"
    listing = {parameter["name"] for parameter in paths["/api/v1/contact-requests"]["get"]["parameters"]}
    assert {"customer_id", "external_id"} <= listing

