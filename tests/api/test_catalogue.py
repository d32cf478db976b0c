"""The catalogue through the API (topics, channels) and conditional GET (strong ETag, If-None-Match → 304)
on it and on the preference document."""

import pytest

from api.models import Scope
from preferences.catalog import catalog_invalidate
from preferences.catalog_defaults import CHANNELS, TOPICS
from preferences.models import Channel, Topic
from tests.api.conftest import assert_problem

TOPICS_URL = "/api/v1/topics"
CHANNELS_URL = "/api/v1/channels"
DETAIL = "/api/v1/customers/{}"


# --- Topics and channels ---------------------------------------------------------------------------


def test_topics_give_codes_kinds_names_and_channels_in_display_order(make_api):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    response = api.get(TOPICS_URL)
    assert response.status_code == 200, response.content
    topics = response.json()["topics"]
    assert [topic["code"] for topic in topics] == [t["code"] for t in sorted(TOPICS, key=lambda t: t["order"])]
    security = topics[0]
    expected = next(t for t in TOPICS if t["code"] == "security")
    assert security["kind"] == "critical" and security["has_delivery_mode"] is True
    assert security["name"] == {"fr": expected["name_fr"], "en": expected["name_en"]}
    assert security["description"] == {"fr": expected["description_fr"], "en": expected["description_en"]}
    channel_order = [c["code"] for c in sorted(CHANNELS, key=lambda c: c["order"])]
    for topic in topics:
        stored = next(t for t in TOPICS if t["code"] == topic["code"])
        assert set(topic["allowed_channels"]) == set(stored["allowed_channels"])
        assert set(topic["default_channels"]) == set(stored["default_channels"])
        assert topic["allowed_channels"] == [code for code in channel_order if code in topic["allowed_channels"]]
    offers = next(topic for topic in topics if topic["code"] == "offers")
    assert offers["kind"] == "marketing" and offers["has_delivery_mode"] is False
    assert isinstance(offers["messages_per_month"], float)


def test_channels_give_names_needs_and_legal_regime(make_api):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    response = api.get(CHANNELS_URL)
    assert response.status_code == 200, response.content
    channels = {channel["code"]: channel for channel in response.json()["channels"]}
    assert list(channels) == ["email", "sms", "postal", "phone", "messaging", "app"]
    assert channels["postal"]["prior_opt_in"] is False and channels["email"]["prior_opt_in"] is True
    assert channels["phone"]["prior_opt_in"] is True  # since 11 August 2026 (loi 2025-594)
    assert channels["sms"] == {
        "code": "sms",
        "name": {"fr": "SMS", "en": "SMS"},
        "order": 2,
        "contact_point_kind": "phone",
        "contact_point_kinds": ["phone"],
        "mobile_only": True,
        "prior_opt_in": True,
        "quiet_hours_apply": True,
        "footprint_g_co2e": 0.014,
        "footprint_source": CHANNELS[1]["footprint_source"],
    }
    assert channels["messaging"]["name"]["fr"] == "Messagerie (WhatsApp, RCS…)"
    assert channels["messaging"]["contact_point_kinds"] == ["messaging", "phone"]


@pytest.mark.parametrize("path", [TOPICS_URL, CHANNELS_URL])
def test_the_catalogue_needs_a_key_with_customers_read(make_api, client, path):
    assert_problem(client.get(path), 401)
    api, _client = make_api(Scope.DECISIONS_READ)
    assert assert_problem(api.get(path), 403)["missing_scope"] == "customers:read"
    for method in ("post", "patch"):
        response = getattr(api, method)(path, {})
        assert response.status_code == 405, response.content


@pytest.mark.parametrize("path", [TOPICS_URL, CHANNELS_URL])
def test_the_catalogue_refuses_unknown_query_parameters(api, path):
    assert "lang" in assert_problem(api.get(path, lang="fr"), 400)["unknown_fields"]


def test_the_catalogue_is_read_from_the_process_cache(api, django_assert_max_num_queries):
    api.get(TOPICS_URL)  # the key and the catalogue are loaded once
    with django_assert_max_num_queries(1):  # the key's last use, at most
        for _ in range(3):
            assert api.get(TOPICS_URL).status_code == 200
            assert api.get(CHANNELS_URL).status_code == 200


# --- Conditional GET ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [TOPICS_URL, CHANNELS_URL])
def test_a_catalogue_etag_is_strong_and_if_none_match_answers_304(api, path):
    first = api.get(path)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert api.get(path)["ETag"] == etag  # stable while nothing changes
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = api.get(path, headers={"If-None-Match": header})
        assert not_modified.status_code == 304, header
        assert not_modified.content == b"" and not_modified["ETag"] == etag
        assert "no-store" in not_modified["Cache-Control"]
    for header in ('"other"', "garbage", etag.strip('"'), ""):
        full = api.get(path, headers={"If-None-Match": header})
        assert full.status_code == 200 and full.json() == first.json(), header


def test_editing_a_topic_changes_the_topics_etag(api):
    before = api.get(TOPICS_URL)["ETag"]
    channels_before = api.get(CHANNELS_URL)["ETag"]
    Topic.objects.filter(code="offers").update(name_en="Special offers")
    catalog_invalidate()  # as the admin does on save
    changed = api.get(TOPICS_URL, headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed["ETag"] != before
    assert next(t for t in changed.json()["topics"] if t["code"] == "offers")["name"]["en"] == "Special offers"
    assert api.get(CHANNELS_URL, headers={"If-None-Match": channels_before}).status_code == 304
    Channel.objects.filter(code="postal").update(footprint_g_co2e="25")
    catalog_invalidate()
    assert api.get(CHANNELS_URL, headers={"If-None-Match": channels_before}).status_code == 200


def test_a_document_etag_starts_with_its_version_and_answers_304(api, customer):
    path = DETAIL.format(customer.pk)
    etag = api.get(path)["ETag"]
    assert etag.startswith(f'"{customer.version}.') and not etag.startswith("W/")
    not_modified = api.get(path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified["ETag"] == etag
    # A change moves the version and the tag: the full document again.
    changed = api.patch(path, {"changes": {"customer.easy_read": True}}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.content
    new_etag = changed["ETag"]
    assert new_etag.startswith(f'"{customer.version + 1}.')
    full = api.get(path, headers={"If-None-Match": etag})
    assert full.status_code == 200 and full["ETag"] == new_etag  # the PATCH gave the tag of the new document
    assert api.get(path, headers={"If-None-Match": new_etag}).status_code == 304


def test_a_document_etag_changes_with_the_catalogue_though_the_version_does_not(api, customer):
    path = DETAIL.format(customer.pk)
    etag = api.get(path)["ETag"]
    Topic.objects.filter(code="newsletter").update(allowed_channels=["email"], default_channels=[])
    catalog_invalidate()
    answer = api.get(path, headers={"If-None-Match": etag})
    assert answer.status_code == 200 and answer.json()["version"] == customer.version
    assert answer["ETag"] != etag and answer["ETag"].startswith(f'"{customer.version}.')
    # If-Match compares the version: a catalogue edit alone does not make a change stale.
    changed = api.patch(path, {"changes": {"customer.easy_read": True}}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.content


def test_a_document_etag_depends_on_what_the_key_may_see(make_api, customer):
    path = DETAIL.format(customer.pk)
    personal, _c = make_api(Scope.CUSTOMERS_READ, Scope.CONTACT_POINTS_READ)
    impersonal, _c = make_api(Scope.CUSTOMERS_READ)
    etag = personal.get(path)["ETag"]
    assert impersonal.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_if_none_match_on_an_unknown_customer_is_still_404(api):
    assert_problem(api.get(DETAIL.format(999999), headers={"If-None-Match": "*"}), 404)


def test_the_schema_documents_the_catalogue_and_304(api, client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path, operation_id in (
        (TOPICS_URL, "topics_list"),
        (CHANNELS_URL, "channels_list"),
        ("/api/v1/customers/{customer_id}", "customer_read"),
    ):
        operation = schema["paths"][path]["get"]
        assert operation["operationId"] == operation_id
        assert "304" in operation["responses"] and "200" in operation["responses"]
        assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in operation["parameters"])
