"""Errors as problem+json everywhere under /api/, and an OpenAPI schema that says what the server does."""

import re

import pytest
import yaml
from django.core.management import call_command

from tests.api.conftest import assert_problem
from tests.api.schema_walk import schema_walk


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/customers/", "/api/", "/api/v2/customers"])
def test_unknown_api_paths_are_404_problems(client, db, path):
    body = assert_problem(client.get(path), 404)
    assert body["instance"] == path


def test_method_not_allowed_is_a_problem(api):
    response = api.client.delete("/api/v1/contact-plans", headers={"Authorization": f"Bearer {api.key}"})
    assert_problem(response, 405)


def test_not_acceptable_is_a_problem(api, customer):
    response = api.get(f"/api/v1/customers/{customer.pk}", headers={"Accept": "text/html"})
    assert_problem(response, 406)


def test_schema_is_served_and_declares_the_errors(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    operations = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert ("/api/v1/contact-plans", "post") in operations
    for (path, method), operation in operations.items():
        statuses = set(operation["responses"])
        if operation["operationId"] != "audience_download":  # no key, no throttle, its own format
            assert {"401", "403", "406", "429"} <= statuses, (path, method)
        if path.startswith("/api/v1/"):  # the database gone for a moment: api.problems, portal.middleware
            assert operation["responses"]["503"]["headers"]["Retry-After"]["required"], (path, method)
        # 202: a job accepted (data exports); 304: not modified, with no body at all.
        for status in statuses - {"200", "201", "202", "304"}:
            assert "application/problem+json" in operation["responses"][status]["content"], (path, method, status)
        if operation["operationId"] == "audience_download":  # a signed link: the signature, not a key
            assert "security" not in operation and "token" in str(operation["parameters"])
            continue
        assert operation["security"] == [{"BearerKey": []}, {"HeaderKey": []}]
    patch = operations[("/api/v1/customers/{customer_id}", "patch")]
    assert {"412", "428"} <= set(patch["responses"])
    assert any(parameter["name"] == "If-Match" and parameter["in"] == "header" for parameter in patch["parameters"])


def test_schema_generates_without_warnings(tmp_path, db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_docs_are_served_from_our_own_static_files(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"cdn.jsdelivr" not in response.content


def test_ids_beyond_what_the_database_holds_are_404_or_400(api, customer):
    huge = 2**64
    assert_problem(api.get(f"/api/v1/customers/{huge}"), 404)
    assert_problem(api.get(f"/api/v1/sends/{huge}"), 404)
    assert_problem(api.get("/api/v1/events", after=huge), 400)
    assert_problem(api.post("/api/v1/contact-plans", {"topic": "billing", "customer_ids": [huge]}), 400)
    assert_problem(api.post("/api/v1/contact-plans", {"topic": "billing", "customer_ids": [1], "at": "9999-12-31T23:59:59Z"}), 400)
    assert_problem(api.post("/api/v1/sends", {"sends": [{"customer_id": customer.pk, "topic": "billing",
                                                        "channel": "email", "sent_at": "0001-01-01T00:00:00Z"}]}), 400)


def _schema(client) -> dict:
    return yaml.safe_load(client.get("/api/schema/").content)


def test_the_schema_says_where_a_created_resource_or_a_job_is(client, db):
    """Every answer that gives a `Location` declares it, with the status that carries it."""
    schema = _schema(client)
    operations = {operation["operationId"]: operation for item in schema["paths"].values() for operation in item.values()}
    located = {
        "contact_request_create": ["201"],
        "webhook_endpoint_create": ["201"],
        "customer_upsert": ["200", "201"],
        "audience_create": ["202"],
        "customer_data_export_request": ["202"],
        "customer_data_export_request_by_external_id": ["202"],
        "webhook_endpoint_test": ["202"],
    }
    for operation_id, statuses in located.items():
        for status in statuses:
            header = operations[operation_id]["responses"][status]["headers"]["Location"]
            assert header["required"] is True and header["description"], (operation_id, status)


def test_the_schema_says_which_lists_hold_each_value_once(client, db):
    components = _schema(client)["components"]["schemas"]
    assert components["ContactRequestIn"]["properties"]["preferred_time_slots"]["uniqueItems"] is True
    assert components["EndpointIn"]["properties"]["event_types"]["uniqueItems"] is True
    assert components["EndpointChange"]["properties"]["event_types"]["uniqueItems"] is True


def test_the_schema_gives_a_batch_item_s_problem_the_fields_of_every_problem(client, db):
    components = _schema(client)["components"]["schemas"]
    assert {"type", "title", "status", "code", "detail"} <= set(components["ItemProblem"]["required"])


def test_the_schema_gives_each_reported_send_its_result(client, db):
    components = _schema(client)["components"]["schemas"]
    assert "results" in components["SendBatchResult"]["required"]
    assert set(components["SendResult"]["required"]) == {"index", "id", "customer_id", "external_id", "status"}
    assert components["SendResultStatusEnum"]["enum"] == ["recorded", "duplicate"]


def _operation(schema: dict, operation_id: str) -> dict:
    return next(op for item in schema["paths"].values() for op in item.values() if op.get("operationId") == operation_id)


def test_the_schema_declares_the_etag_and_address_of_every_answer_that_is_a_customer_document(api, client, customer):
    """A client chains writes with the ETag of the last answer (If-Match): every answer holding the
    document carries it, and the schema said so only for reads. Each also gives the customer's address under
    our id (Location, Content-Location), which the schema declared on the upsert only."""
    schema = _schema(client)
    base = f"/api/v1/customers/{customer.pk}"
    by_external_id = f"/api/v1/customers/by-external-id/{customer.external_id}"
    answers = {
        "customer_read": api.get(base),
        "customer_read_by_external_id": api.get(by_external_id),
        "customer_upsert": api.post("/api/v1/customers", {"external_id": customer.external_id, "first_name": "C"}),
        "customer_preferences_change": api.patch(base, {"changes": {"customer.large_print": True}},
                                                 headers={"If-Match": '"2"'}),
        "customer_preferences_change_by_external_id": api.patch(by_external_id, {"changes": {"customer.easy_read": True}},
                                                                headers={"If-Match": '"3"'}),
        "contact_point_add": api.post(f"{base}/contact-points", {"kind": "phone", "value": "+33612345678"}),
    }
    phone = next(p["id"] for p in answers["contact_point_add"].json()["contact_points"] if p["kind"] == "phone")
    answers["contact_point_change"] = api.patch(f"{base}/contact-points/{phone}", {"phone_type": "landline"})
    answers["contact_point_remove"] = api.delete(f"{base}/contact-points/{phone}")
    answers["customer_read_not_modified"] = api.get(base, headers={"If-None-Match": answers["customer_read"]["ETag"]})
    for name, response in answers.items():
        assert response.status_code in (200, 201, 304) and response["ETag"], (name, response.content)
        assert response["Location"] == response["Content-Location"] == base, name
        operation_id = name.removesuffix("_not_modified")
        declared = _operation(schema, operation_id)["responses"][str(response.status_code)].get("headers", {})
        assert {"ETag", "Location", "Content-Location"} <= set(declared), name
        assert declared["Location"]["required"] and "under our id" in declared["Location"]["description"], name


def test_the_schema_declares_every_field_a_problem_carries(make_api, customer, client, settings):
    """`missing_scope` (403), `unknown_fields` (400) and `max_body_bytes` (413), which the README tells
    clients to read, are in the Problem schema as the answers give them."""
    properties = _schema(client)["components"]["schemas"]["Problem"]["properties"]
    reader, _ = make_api("customers:read")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    problems = [
        assert_problem(reader.get("/api/v1/events"), 403),
        assert_problem(reader.post("/api/v1/contact-plans", {"topic": "billing", "customer_id": [customer.pk]}), 403),
        assert_problem(make_api()[0].post("/api/v1/contact-plans", {"topic": "billing", "customer_id": [1]}), 400),
        assert_problem(make_api()[0].post("/api/v1/contact-plans", {"topic": "billing", "x": "y" * 200}), 413),
    ]
    for body in problems:
        assert set(body) <= set(properties), set(body) - set(properties)
    assert {"missing_scope", "unknown_fields", "max_body_bytes"} <= set(properties)


def test_the_audience_download_s_403_is_the_signed_link_s_not_a_scope(client, db):
    """No key is asked for there: its 403 said "The key lacks the scope", where a refused or expired link is why."""
    schema = _schema(client)
    operation = schema["paths"]["/api/v1/audiences/{audience_id}/download.{fmt}.gz"]["get"]
    words = operation["responses"]["403"]["description"]
    assert "scope" not in words and "signed link" in words and "expired" in words
    other = schema["paths"]["/api/v1/audiences/{audience_id}"]["get"]["responses"]["403"]["description"]
    assert "scope" in other  # other operations keep theirs


def test_the_audience_download_lists_only_what_a_signed_link_can_be_answered(client, db):
    """It reads no key (a 401 cannot happen, even with a bad key), chooses its format from the path (no 406)
    and counts against no client (no 429, no RateLimit headers): the schema listed all three."""
    operation = _schema(client)["paths"]["/api/v1/audiences/{audience_id}/download.{fmt}.gz"]["get"]
    assert set(operation["responses"]) == {"200", "400", "403", "404", "410", "503"}  # 410: the files deleted
    for status in ("400", "403", "404", "410", "503"):
        assert operation["responses"][status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"}
    assert not any("RateLimit" in response.get("headers", {}) for response in operation["responses"].values())
    refused = client.get("/api/v1/audiences/1/download.csv.gz", {"token": "x"},
                         headers={"Authorization": "Bearer wrong", "Accept": "text/html"})
    assert_problem(refused, 403)
    assert not refused.has_header("RateLimit")


# The headers of an answer that a client acts on. Each one an answer sends is declared on its operation and
# status; each one declared there is sent (required) or is one of the few that only some answers carry.
CLIENT_HEADERS = ("Location", "Content-Location", "ETag", "Deprecation", "Link", "Retry-After", "RateLimit",
                  "RateLimit-Policy", "Idempotent-Replayed", "WWW-Authenticate")
# Declared, not required, and missing from some answers of the status, by design: (header, status) -> why.
SOMETIMES = {
    ("Idempotent-Replayed", None): "only a replay of a kept answer carries it",
    ("Retry-After", "409"): "only the 409 of an Idempotency-Key still running carries it",
    ("RateLimit", "401"): "no client is known, so no budget to tell",
    ("RateLimit-Policy", "401"): "no client is known, so no budget to tell",
    ("RateLimit", "406"): "refused before the key is read",
    ("RateLimit-Policy", "406"): "refused before the key is read",
}


def _operation_of(schema: dict, method: str, path: str) -> dict:
    """The operation a request reached: the schema path it matches with the most fixed characters."""
    found = []
    for template, item in schema["paths"].items():
        regex = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if method.lower() in item and re.match(regex, path):
            found.append((len(re.sub(r"\{\w+\}", "", template)), item[method.lower()]))
    assert found, (method, path)
    return max(found, key=lambda pair: pair[0])[1]


def test_every_answer_sends_the_headers_its_schema_declares_and_no_other(client, db, django_capture_on_commit_callbacks):
    """A client generated from the schema sees only what it declares: every operation called (its success, the
    refusals every operation has, 304, 412, 428, 429, a running Idempotency-Key, replays), and for each answer
    the headers a client acts on compared with those declared for its operation and status, both ways."""
    schema = _schema(client)
    walk = schema_walk(client, schema, django_capture_on_commit_callbacks)
    problems, seen, succeeded = [], {}, set()
    for answer in walk.answers:
        operation = _operation_of(schema, answer.method, answer.path)
        status, response = str(answer.response.status_code), answer.response
        where = (operation["operationId"], status)
        if status not in operation["responses"]:
            problems.append(f"{where}: status not in the schema ({answer.method} {answer.path})")
            continue
        if status.startswith("2"):
            succeeded.add(operation["operationId"])
        declared = operation["responses"][status].get("headers", {})
        sent = {name for name in CLIENT_HEADERS if response.has_header(name)}
        seen.setdefault(where, set()).update(sent)
        problems += [f"{where}: sends {name}, not declared" for name in sorted(sent - set(declared))]
        problems += [f"{where}: {name} declared required, not sent ({answer.method} {answer.path})"
                     for name in CLIENT_HEADERS if declared.get(name, {}).get("required") and name not in sent]
    for (operation_id, status), sent in seen.items():
        declared = _operation(schema, operation_id)["responses"][status].get("headers", {})
        for name in set(declared) & set(CLIENT_HEADERS) - sent:
            if (name, None) not in SOMETIMES and (name, status) not in SOMETIMES:
                problems.append(f"{(operation_id, status)}: declares {name}, never sent")
    every = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    problems += [f"{operation_id}: not walked to a success" for operation_id in sorted(every - succeeded)]
    assert not problems, "\n".join(problems)
