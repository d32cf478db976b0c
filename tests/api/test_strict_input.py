"""Strict input on every API endpoint: unknown fields and parameters are refused by name; hostile
bodies (too big, lone surrogates, deep nesting, invalid UTF-8) are 400 or 413 problems, never 500;
a 403 names the missing scope; problem details are in English unless Accept-Language asks otherwise."""

import json

import pytest
from django.test import override_settings
from django.utils import translation
from rest_framework.request import Request

from api.models import Scope
from api.parsers import MAX_JSON_DEPTH
from api.problems import problem_exception_handler
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, Customer
from preferences.state import CUSTOMER_FIELDS, TOPIC_FIELDS
from tests.api.conftest import assert_problem
from tests.moments import recent_iso

PLANS = "/api/v1/contact-plans"


def _refuse_ai(customer):
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in", "topic.offers.ai_level": "human_only"},
                       context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL))


def _raw(api, method: str, path: str, body: bytes, *, content_type="application/json", headers=None):
    call = getattr(api.client, method.lower())
    return call(path, body, content_type=content_type, headers=api._headers(headers or {}))


# --- 1. Unknown fields --------------------------------------------------------------------------------


def test_a_typo_in_ai_generated_is_refused_not_ignored(api, customer):
    _refuse_ai(customer)
    body = assert_problem(api.post(PLANS, {"topic": "offers", "ai_generatd": True, "customer_ids": [customer.pk]}), 400)
    assert body["type"] == "urn:portal:problem:unknown_field"
    assert body["unknown_fields"] == ["ai_generatd"]
    assert "ai_generatd" in body["errors"] and "ai_generatd" in body["detail"]
    # Spelled right, the same request is refused by the plan, as the customer asked.
    plan = api.post(PLANS, {"topic": "offers", "ai_generated": True, "customer_ids": [customer.pk]}).json()["plans"][0]
    assert plan["allowed"] is False and plan["reasons"] == ["ai_not_allowed"]


def test_unknown_fields_on_customer_upsert_and_batch_items_are_refused(api, db):
    body = assert_problem(api.post("/api/v1/customers", {"external_id": "CRM-9", "emial": "a@example.com"}), 400)
    assert body["errors"] == {"emial": ["Unknown field: it is not part of this operation."]}
    body = assert_problem(api.post("/api/v1/customers/batch", {"customers": [
        {"external_id": "CRM-9", "email": "a@example.com"}, {"external_id": "CRM-10", "emial": "b@example.com"},
    ]}), 400)
    assert body["errors"]["customers"]["1"] == {"emial": ["Unknown field: it is not part of this operation."]}
    assert body["unknown_fields"] == ["customers.1.emial"] and "customers.1.emial" in body["detail"]
    assert not ConsentEvent.objects.exists()  # all or nothing: not even the valid first item


def test_unknown_top_level_keys_on_patch_are_refused(api, customer):
    response = api.patch(f"/api/v1/customers/{customer.pk}", {"changes": {"customer.language": "fr"}, "force": True},
                         headers={"If-Match": f'"{customer.version}"'})
    assert assert_problem(response, 400)["unknown_fields"] == ["force"]
    customer.refresh_from_db()
    assert customer.language == "en"


def test_unknown_fields_in_sends_items_and_webhook_bodies_are_refused(api, customer):
    body = assert_problem(api.post("/api/v1/sends", {"sends": [
        {"customer_id": customer.pk, "topic": "billing", "channel": "email", "aigenerated": True}]}), 400)
    assert "aigenerated" in body["errors"]["sends"]["0"] and body["unknown_fields"] == ["sends.0.aigenerated"]
    body = assert_problem(api.post("/api/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/h",
                                                                "event_types": ["customer.created"], "secret": "x"}), 400)
    assert body["unknown_fields"] == ["secret"]
    body = assert_problem(api.post("/api/v1/sms/inbound", {"from": "+33612345678", "text": "STOP", "to": "1"}), 400)
    assert body["unknown_fields"] == ["to"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/customers/{customer}",
        "/api/v1/contact-requests",
        "/api/v1/customers/CRM-1/unsubscribe-links",
        "/api/v1/webhook-endpoints",
    ],
)
def test_unknown_query_parameters_are_refused_by_name(api, customer, path):
    body = assert_problem(api.get(path.format(customer=customer.pk), limt="5"), 400)
    assert body["unknown_fields"] == ["limt"] and "limt" in body["detail"]


def test_a_format_parameter_is_refused_by_name_like_any_unknown_one(api, customer):
    # DRF would read ?format= itself and answer 404 for a format it has no renderer for.
    for value in ("xml", "json"):
        body = assert_problem(api.get(f"/api/v1/customers/{customer.pk}", format=value), 400)
        assert body["unknown_fields"] == ["format"]


def test_known_query_parameters_are_still_accepted(api, customer):
    assert api.get("/api/v1/contact-requests", limit="5").status_code == 200
    assert api.get("/api/v1/customers/CRM-1/unsubscribe-links", topic="offers", channel="email").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["/api/v1/events?limit=1&limit=1000", "/api/v1/customers?external_id=CRM-1&external_id=CRM-2",
     "/api/v1/contact-requests?limit=5&limit=5"],
)
def test_a_query_parameter_given_twice_is_refused_by_name(api, customer, query):
    # Which one was meant is not known (Django would keep the last, other servers the first).
    body = assert_problem(api.client.get(query, headers=api._headers({})), 400)
    name = query.split("?")[1].split("=")[0]
    assert list(body["errors"]) == [name] and "once" in body["errors"][name][0]


def test_a_query_string_on_a_post_is_refused(api, customer):
    response = api.client.post(f"{PLANS}?dry_run=1", json.dumps({"topic": "billing", "customer_ids": [customer.pk]}),
                               content_type="application/json", headers=api._headers({}))
    assert assert_problem(response, 400)["unknown_fields"] == ["dry_run"]


# --- 2. and 3. Hostile bodies -----------------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_limit_is_413(api, customer):
    body = {"topic": "billing", "external_ids": ["X" * 90] * 20}
    problem = assert_problem(api.post(PLANS, body), 413)
    assert problem["max_body_bytes"] == 1000 and "1000 bytes" in problem["detail"]


def test_a_body_over_the_default_limit_is_413(api, customer):
    huge = b'{"topic": "billing", "external_ids": ["' + b"X" * (3 * 1024 * 1024) + b'"]}'
    assert_problem(_raw(api, "POST", PLANS, huge), 413)


def test_a_lone_surrogate_anywhere_is_a_400(api, customer):
    for body in (
        b'{"topic": "billing", "customer_ids": [1], "at": "\\ud800"}',
        b'{"external_id": "CRM-1", "language": "\\ud800"}',
        b'{"changes": {"\\udfff": "in"}}',
    ):
        path = f"/api/v1/customers/{customer.pk}" if b"changes" in body else (PLANS if b"topic" in body else "/api/v1/customers")
        method = "PATCH" if b"changes" in body else "POST"
        problem = assert_problem(_raw(api, method, path, body, headers={"If-Match": f'"{customer.version}"'}), 400)
        assert "surrogate" in problem["detail"]
    # A real pair (an emoji) is valid Unicode and goes through.
    response = _raw(api, "POST", "/api/v1/customers", b'{"external_id": "CRM-\\ud83d\\ude00"}')
    assert response.status_code == 201, response.content


def test_deep_nesting_is_a_400(api, customer):
    for depth in (MAX_JSON_DEPTH + 1, 3000, 100_000):
        body = b'{"changes": {"customer.language": ' + b"[" * depth + b"]" * depth + b"}}"
        response = _raw(api, "PATCH", f"/api/v1/customers/{customer.pk}", body, headers={"If-Match": f'"{customer.version}"'})
        assert "levels deep" in assert_problem(response, 400)["detail"]


def test_invalid_utf8_and_broken_json_are_400(api, customer):
    assert "UTF-8" in assert_problem(_raw(api, "POST", PLANS, b'{"topic": "\xff\xfe"}'), 400)["detail"]
    assert_problem(_raw(api, "POST", PLANS, b'{"topic": '), 400)
    assert_problem(_raw(api, "POST", PLANS, b'{"topic": NaN}'), 400)


def test_a_number_too_large_for_a_float_is_named_as_such(api, customer):
    # 1e400 was read as infinity and refused as "Value must be valid JSON" under the setting's key.
    body = b'{"changes": {"customer.weekly_marketing_cap": -1e400}}'
    response = _raw(api, "PATCH", f"/api/v1/customers/{customer.pk}", body, headers={"If-Match": f'"{customer.version}"'})
    assert "-1e400" in assert_problem(response, 400)["detail"]


def _every_setting_key() -> list[str]:
    keys = [f"customer.{name}" for name in CUSTOMER_FIELDS]
    for topic in catalog_get().topics:
        keys += [f"topic.{topic.code}.{name}" for name in TOPIC_FIELDS]
        keys += [f"subscription.{topic.code}.{channel}" for channel in topic.allowed_channels]
    return keys


# Values of every JSON type where a setting expects another: a list or an object where text is
# expected was a 500 (a choice checked by hashing it), on PATCH and in a batch.
WRONG_TYPES = ([["human_reviewed"]], {"value": "fr"}, [], {}, 1.5, 10**30, True, "x" * 5000)


@pytest.mark.parametrize("value", WRONG_TYPES, ids=lambda value: type(value).__name__)
def test_a_value_of_the_wrong_json_type_for_any_setting_is_a_400_naming_it(api, customer, value):
    keys = _every_setting_key()
    for key in keys:
        one = api.patch(f"/api/v1/customers/{customer.pk}", {"changes": {key: value}}, headers={"If-Match": f'"{customer.version}"'})
        if one.status_code == 200:  # the value fits this setting (true for a switch, [] for the ranking)
            customer.refresh_from_db()
            continue
        assert key in assert_problem(one, 400)["errors"], key
    every = {key: value for key in keys}
    problem = assert_problem(api.patch(f"/api/v1/customers/{customer.pk}", {"changes": every},
                                       headers={"If-Match": f'"{customer.version}"'}), 400)
    assert "customer.language" in problem["errors"]
    batch = api.post("/api/v1/customers/changes", {"items": [{"customer_id": customer.pk, "changes": every}]})
    assert batch.status_code == 200, batch.content
    assert batch.json()["results"][0]["problem"]["status"] == 400


def test_a_choice_refused_shows_the_value_short(api, customer):
    problem = assert_problem(
        api.patch(f"/api/v1/customers/{customer.pk}", {"changes": {"customer.language": ["fr" * 100]}},
                  headers={"If-Match": f'"{customer.version}"'}),
        400,
    )
    message = problem["errors"]["customer.language"][0]
    assert message.startswith('“["frfr') and "…”" in message and len(message) < 150


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_pause_end_at_the_edge_of_the_calendar_is_a_400(api, customer, moment):
    response = api.patch(f"/api/v1/customers/{customer.pk}", {"changes": {"customer.marketing_paused_until": moment}},
                         headers={"If-Match": f'"{customer.version}"'})
    assert "customer.marketing_paused_until" in assert_problem(response, 400)["errors"]


def test_a_key_given_twice_in_one_object_is_a_400_naming_it(api, customer):
    events = ConsentEvent.objects.count()
    for path, method, body in (
        (f"/api/v1/customers/{customer.pk}", "PATCH",
         b'{"changes": {"subscription.offers.email": "out", "subscription.offers.email": "in"}}'),
        ("/api/v1/audiences", "POST", b'{"topic": "offers", "topic": "billing"}'),
        (PLANS, "POST", b'{"topic": "offers", "customer_ids": [1], "customer_ids": [2]}'),
    ):
        response = _raw(api, method, path, body, headers={"If-Match": f'"{customer.version}"'})
        detail = assert_problem(response, 400)["detail"]
        assert "twice" in detail and ("subscription.offers.email" in detail or "topic" in detail or "customer_ids" in detail)
    assert ConsentEvent.objects.count() == events
    # The same key in two different objects is no repetition.
    body = b'{"items": [{"customer_id": %d, "changes": {"customer.large_print": true}}, ' \
           b'{"external_id": "CRM-NOBODY", "changes": {"customer.large_print": true}}]}'
    response = _raw(api, "POST", "/api/v1/customers/changes", body % customer.pk)
    assert response.status_code == 200, response.content


def test_an_unexpected_error_is_a_500_problem_in_the_client_s_language(rf):
    request = Request(rf.get("/api/v1/customers/1"))
    with translation.override("fr"):
        response = problem_exception_handler(RuntimeError("boom"), {"request": request})
    assert response.status_code == 500
    assert (response.data["title"], response.data["detail"]) == (
        "Erreur du serveur.",
        "Une erreur inattendue de notre côté\u00a0: elle est enregistrée pour notre équipe.",
    )


def test_a_lone_surrogate_that_reaches_an_answer_is_escaped_not_a_500():
    from api.parsers import ProblemSafeJSONRenderer

    assert ProblemSafeJSONRenderer().render({"detail": "\ud800"}) == b'{"detail":"\\ud800"}'


# --- 4. Missing scope ----------------------------------------------------------------------------------


def test_a_403_names_the_missing_scope(make_api, customer):
    reader, _client = make_api(Scope.CUSTOMERS_READ)
    body = assert_problem(reader.post(PLANS, {"topic": "billing", "customer_ids": [customer.pk]}), 403)
    assert body["missing_scope"] == "decisions:read" and "decisions:read" in body["detail"]
    body = assert_problem(reader.patch(f"/api/v1/customers/{customer.pk}", {"changes": {}}), 403)
    assert body["missing_scope"] == "customers:write"


# --- 5. Language of problem details ----------------------------------------------------------------------


def test_problems_are_in_english_without_accept_language(api, customer):
    body = assert_problem(api.post(PLANS, {"topic": "billing"}), 400)
    assert body["title"] == "The request is not valid."
    assert body["detail"] == "Some fields are not valid: see errors."
    # Not even the site's language cookie turns the API French.
    api.client.cookies["django_language"] = "fr"
    assert assert_problem(api.post(PLANS, {"topic": "billing"}), 400)["title"] == "The request is not valid."


def test_problems_follow_accept_language(api, make_api, customer):
    french = assert_problem(api.post(PLANS, {"topic": "billing"}, headers={"Accept-Language": "fr-FR,fr;q=0.9"}), 400)
    english = assert_problem(api.post(PLANS, {"topic": "billing"}, headers={"Accept-Language": "en-GB"}), 400)
    assert french["title"] != english["title"] == "The request is not valid."
    assert french["title"] == "La requête n’est pas valide."
    reader, _client = make_api(Scope.CUSTOMERS_READ)
    denied = assert_problem(reader.post(PLANS, {"topic": "billing"}, headers={"Accept-Language": "fr"}), 403)
    assert "decisions:read" in denied["detail"] and denied["detail"] != "This API key lacks the scope decisions:read, which this operation needs."
    unknown = assert_problem(api.post(PLANS, {"topic": "billing", "x": 1}, headers={"Accept-Language": "de, fr;q=0.5"}), 400)
    assert unknown["errors"]["x"] != ["Unknown field: it is not part of this operation."]  # French, the first we speak
    assert_problem(api.client.get("/api/v1/nope", headers={"Accept-Language": "en"}), 404)
    assert assert_problem(api.client.get("/api/v1/nope"), 404)["title"] == "Not found."


def test_a_method_the_view_does_not_answer_is_405_whatever_its_query(api, customer):
    response = api.client.generic("TRACE", "/api/v1/contact-requests?limit=5&nope=1", headers=api._headers({}))
    assert_problem(response, 405)


def test_a_request_django_finds_suspicious_is_a_400_problem(api, rf):
    from django.core.exceptions import TooManyFieldsSent

    response = problem_exception_handler(TooManyFieldsSent("too many"), {"request": rf.post("/api/v1/customers")})
    assert response.status_code == 400 and response.data["type"] == "urn:portal:problem:bad_request"


@pytest.mark.parametrize("external_id", ["CRM-9 ", " CRM-9", "CRM-9\n", "\u2028CRM-9", "CRM-9\u00a0"])
def test_an_external_id_with_blanks_around_it_is_refused_not_trimmed(api, customer, external_id):
    # Trimmed, "CRM-9 " and "CRM-9" named one customer, and the id sent back was not the one given.
    body = assert_problem(api.post("/api/v1/customers", {"external_id": external_id}), 400)
    assert "external_id" in body["errors"]
    assert not Customer.objects.filter(external_id="CRM-9").exists()
    for path in ("/api/v1/customers", "/api/v1/events"):
        assert "external_id" in assert_problem(api.get(path, external_id=f"{customer.external_id} "), 400)["errors"]
    inner = "CRM 9"  # blanks inside are part of the id
    assert api.post("/api/v1/customers", {"external_id": inner}).status_code == 201
    assert Customer.objects.filter(external_id=inner).exists()


@pytest.mark.parametrize("moment", ["2026-12-07T10:00:00", "2026-12-07", "2026-12-07T10:00", "10:00:00Z", "2026-12-07T10:00:00+1"])
def test_a_time_without_its_offset_is_refused_not_read_as_utc(api, customer, moment):
    # Read as UTC, a CRM on Paris time got plans an hour off without knowing it.
    body = assert_problem(api.post(PLANS, {"topic": "billing", "customer_ids": [customer.pk], "at": moment}), 400)
    assert "at" in body["errors"]
    assert "at" in assert_problem(api.post("/api/v1/audiences", {"topic": "billing", "at": moment}), 400)["errors"]
    for path, name in (("/api/v1/events", "occurred_after"), ("/api/v1/customers", "updated_after")):
        assert name in assert_problem(api.get(path, **{name: moment}), 400)["errors"]


def test_a_time_with_its_offset_is_taken_and_answered_in_utc(api, customer):
    answer = api.post(PLANS, {"topic": "billing", "customer_ids": [customer.pk], "at": recent_iso("2026-12-07T10:00:00+01:00")})
    assert answer.status_code == 200, answer.content
    assert answer.json()["at"] == recent_iso("2026-12-07T09:00:00Z")
    for moment in ("2026-12-07T09:00:00Z", "2026-12-07T09:00:00.123456Z", "2026-12-07T10:00:00+01:00"):
        assert api.get("/api/v1/events", occurred_after=moment).status_code == 200


def test_a_change_of_too_many_keys_is_one_short_error(api, customer):
    # 20,000 unknown keys took 4 s and came back as 20,000 errors.
    changes = {f"customer.nothing_{index}": True for index in range(20_000)}
    response = api.patch(f"/api/v1/customers/{customer.pk}", {"changes": changes}, headers={"If-Match": f'"{customer.version}"'})
    body = assert_problem(response, 400)
    assert "500" in str(body["errors"]["changes"]) and len(response.content) < 2000
    schema = api.get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["PreferencesChange"]["properties"]["changes"]["maxProperties"] == 500


@pytest.mark.parametrize("value", ["2", "", " 5"])
def test_a_weekly_cap_sent_as_a_string_is_a_400(api, customer, value):
    # "2" was read as 2 (and "" as no limit): the setting is an integer or null, as the document reads it.
    response = api.patch(f"/api/v1/customers/{customer.pk}", {"changes": {"customer.weekly_marketing_cap": value}},
                         headers={"If-Match": f'"{customer.version}"'})
    assert "customer.weekly_marketing_cap" in assert_problem(response, 400)["errors"]
    customer.refresh_from_db()
    assert customer.weekly_marketing_cap is None
    for cap in (2, None):
        response = api.patch(f"/api/v1/customers/{customer.pk}", {"changes": {"customer.weekly_marketing_cap": cap}},
                             headers={"If-Match": f'"{customer.version}"'})
        assert response.status_code == 200, response.content
        customer.refresh_from_db()
        assert customer.weekly_marketing_cap == cap
