"""The OpenAPI schema states the rules the server enforces, and the server enforces what it states."""

import re
import sys

import phonenumbers
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.serializers import PHONE_PATTERN
from contact_requests.services import MAX_ACTIVE_PER_CUSTOMER
from preferences.catalog import catalog_get
from tests.api.conftest import assert_problem


@pytest.fixture
def schema(client, db):
    return yaml.safe_load(client.get("/api/schema/").content)


def _request_components(schema) -> dict[str, dict]:
    names = set()
    for item in schema["paths"].values():
        for operation in item.values():
            content = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref")
            if ref:
                names.add(ref.rsplit("/", 1)[-1])
    components = schema["components"]["schemas"]
    # Nested input serializers (batch items, sends items) too.
    for name in list(names):
        for prop in components[name]["properties"].values():
            ref = prop.get("items", {}).get("$ref", "")
            if "properties" in components.get(ref.rsplit("/", 1)[-1], {}):
                names.add(ref.rsplit("/", 1)[-1])
    return {name: components[name] for name in names}


def test_every_request_body_refuses_unknown_fields(schema):
    components = _request_components(schema)
    assert {"CustomerUpsert", "CustomerBatchUpsert", "ContactPlanRequest", "PreferencesChange", "SendIn", "SendBatch",
            "ContactRequestIn", "InboundSms", "EndpointIn", "EndpointChange", "ReplayRange"} <= set(components)
    for name, component in components.items():
        assert component.get("additionalProperties") is False, name


def test_contact_plans_take_exactly_one_kind_of_id(schema):
    component = schema["components"]["schemas"]["ContactPlanRequest"]
    assert component["oneOf"] == [{"required": ["customer_ids"]}, {"required": ["external_ids"]}]


def test_non_blank_strings_say_so(schema):
    components = schema["components"]["schemas"]
    external_id = components["CustomerUpsert"]["properties"]["external_id"]
    assert external_id["minLength"] == 1 and re.search(external_id["pattern"], "CRM-1")
    assert not re.search(external_id["pattern"], "   ") and not re.search(external_id["pattern"], "a\x00")
    assert components["ContactRequestIn"]["properties"]["reason"]["minLength"] == 1
    assert components["PreferencesChange"]["properties"]["changes"]["minProperties"] == 1


def test_non_blank_query_parameters_say_so(schema, api):
    """The change feed's text filters were plain CharFields: a schema-driven client (schemathesis found it)
    could send key_prefix=" ", which the schema allowed and the server refused as blank."""
    parameters = {item["name"]: item["schema"] for item in schema["paths"]["/api/v1/events"]["get"]["parameters"]}
    for name in ("external_id", "key_prefix"):
        assert parameters[name]["minLength"] == 1 and not re.search(parameters[name]["pattern"], "  "), name
    assert "key_prefix" in assert_problem(api.get("/api/v1/events?key_prefix=%20%20"), 400)["errors"]


def test_blank_means_what_python_strips(schema, api, customer):
    """DRF trims with str.strip(): a string of U+001E alone is blank to it, though JavaScript's \\s (which
    schema-driven clients use) does not hold U+001E. The pattern names the characters instead."""
    pattern = schema["components"]["schemas"]["ContactRequestIn"]["properties"]["reason"]["pattern"]
    assert "\\s" not in pattern
    whitespace = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    for character in whitespace:
        assert not re.search(pattern, character * 2), hex(ord(character))
    assert re.search(pattern, "\x1e Call me \u3000")
    body = {"customer_id": customer.pk, "reason": "\x1e", "preferred_channel": "email"}
    assert "reason" in assert_problem(api.post("/api/v1/contact-requests", body), 400)["errors"]


def _enum(schema, node: dict) -> list:
    """The enum of a property, following the $ref that drf-spectacular's enum hook puts in its place."""
    ref = node.get("$ref") or next((branch["$ref"] for branch in node.get("allOf", []) if "$ref" in branch), None)
    if ref:
        node = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return node["enum"]


def test_topics_are_an_enum_of_the_configured_ones(schema):
    codes = sorted(catalog_get().topics_by_code)
    assert len(codes) >= 5
    components = schema["components"]["schemas"]
    for component in ("ContactPlanRequest", "SendIn", "ContactRequestIn"):
        assert sorted(_enum(schema, components[component]["properties"]["topic"])) == codes, component
    links = schema["paths"]["/api/v1/customers/{external_id}/unsubscribe-links"]["get"]["parameters"]
    (topic,) = [parameter for parameter in links if parameter["name"] == "topic"]
    critical = {code for code, topic in catalog_get().topics_by_code.items() if topic.kind == "critical"}
    assert critical and not critical & set(_enum(schema, topic["schema"]))


def test_if_match_is_required_with_its_format(schema):
    patch = schema["paths"]["/api/v1/customers/{customer_id}"]["patch"]
    (if_match,) = [parameter for parameter in patch["parameters"] if parameter["name"] == "If-Match"]
    assert if_match["required"] is True and if_match["in"] == "header"
    assert re.match(if_match["schema"]["pattern"], '"7"') and re.match(if_match["schema"]["pattern"], 'W/"7"')
    assert not re.match(if_match["schema"]["pattern"], "7")


def test_limits_and_conflicts_are_declared(schema):
    create = schema["paths"]["/api/v1/contact-requests"]["post"]
    assert "409" in create["responses"] and str(MAX_ACTIVE_PER_CUSTOMER) in create["description"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if operation.get("requestBody"):
                assert "413" in operation["responses"], (path, method)


def test_the_phone_pattern_is_in_the_schema(schema):
    phone = schema["components"]["schemas"]["CustomerUpsert"]["properties"]["phone"]
    patterns = [branch.get("pattern") for branch in phone.get("oneOf", [phone])]
    assert any(pattern and PHONE_PATTERN in pattern for pattern in patterns)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_regex(PHONE_PATTERN, fullmatch=True))
def test_every_number_the_pattern_allows_is_a_valid_number(number):
    assert phonenumbers.is_valid_number(phonenumbers.parse(number, "FR")), number


# --- The server enforces what the schema says ------------------------------------------------------------


def test_phone_numbers_outside_the_pattern_are_refused(api, db):
    for phone in ("12", "+1 202 555 0100", "0012345678", "+33 6 12 34 56 7"):
        body = assert_problem(api.post("/api/v1/customers", {"external_id": "CRM-P", "phone": phone}), 400)
        assert "phone" in body["errors"], phone
    response = api.post("/api/v1/customers", {"external_id": "CRM-P", "phone": "06.12.34-56 78"})
    assert response.status_code == 201, response.content


def test_an_if_match_that_is_not_one_entity_tag_is_400(api, customer):
    for header in ("7", '"1", "2"', "W/7"):
        response = api.patch(f"/api/v1/customers/{customer.pk}", {"changes": {"customer.easy_read": True}},
                             headers={"If-Match": header})
        assert "If-Match" in assert_problem(response, 400)["errors"], header
    # An unknown customer is still 404 first.
    response = api.patch("/api/v1/customers/999999", {"changes": {"customer.easy_read": True}}, headers={"If-Match": "7"})
    assert_problem(response, 404)


def test_the_open_request_limit_is_a_409(api, customer):
    body = {"customer_id": customer.pk, "reason": "Call me.", "preferred_channel": "email"}
    for _ in range(MAX_ACTIVE_PER_CUSTOMER):
        assert api.post("/api/v1/contact-requests", body).status_code == 201
    problem = assert_problem(api.post("/api/v1/contact-requests", body), 409)
    assert problem["type"] == "urn:portal:problem:open_request_limit"


def test_critical_topics_are_refused_for_unsubscribe_links(api, customer):
    body = assert_problem(api.get("/api/v1/customers/CRM-1/unsubscribe-links", topic="security", channel="email"), 400)
    assert "topic" in body["errors"]


def test_sms_from_any_digits_is_taken_and_ignored_when_no_number(make_api, db):
    api, _client = make_api("sms:inbound")
    assert api.post("/api/v1/sms/inbound", {"from": "36180", "text": "STOP"}).json() == {"action": "ignored", "customers": 0}
    assert_problem(api.post("/api/v1/sms/inbound", {"from": "+33 6 12", "text": "STOP"}), 400)
