"""Messaging accounts and app installations through the API (added, verified, removed, in the ledger,
validated), and a phone stated mobile or landline by the integrator: a landline never gets SMS."""

import pytest

from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, ContactPoint
from preferences.state import PreferenceError
from tests.api.conftest import assert_problem
from tests.moments import recent_iso

POINTS = "/api/v1/customers/{}/contact-points"
POINT = "/api/v1/customers/{}/contact-points/{}"
PLANS = "/api/v1/contact-plans"
UPSERT = "/api/v1/customers"
TUESDAY_NOON = recent_iso("2026-03-10T11:00:00Z")  # within the API's year
CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)


def _added(response, kind: str) -> dict:
    assert response.status_code == 201, response.content
    return [p for p in response.json()["contact_points"] if p["kind"] == kind][-1]


def _plan(api, customer, topic: str = "service") -> dict:
    body = {"topic": topic, "customer_ids": [customer.pk], "at": TUESDAY_NOON}
    return api.post(PLANS, body).json()["plans"][0]


def test_a_whatsapp_account_is_added_verified_and_removed_in_the_ledger(api, customer):
    body = {"kind": "messaging", "service": "whatsapp", "value": "06 12 34 56 78"}
    point = _added(api.post(POINTS.format(customer.pk), body), "messaging")
    assert point["value"] == "whatsapp:+33612345678" and point["verified"] is False
    verified = api.patch(POINT.format(customer.pk, point["id"]), {"verified": True, "verified_by": "WhatsApp opt-in"})
    assert verified.status_code == 200, verified.content
    assert "messaging" in verified.json()["usable_channels"]
    assert api.delete(POINT.format(customer.pk, point["id"])).status_code == 200
    events = ConsentEvent.objects.filter(customer=customer, key=f"contact_point.{point['id']}").order_by("id")
    assert [(e.old_value is None, e.new_value and e.new_value["verified"]) for e in events] == [
        (True, False),
        (False, True),
        (False, None),
    ]
    assert events[1].evidence == "WhatsApp opt-in" and events[0].actor_type == "api_client"


def test_a_messaging_account_is_where_messaging_goes(api, customer):
    api.post(POINTS.format(customer.pk), {"kind": "phone", "value": "06 11 11 11 11", "verified": True,
                                          "verified_by": "SMS code"})
    preferences_change(customer_id=customer.pk, changes={"subscription.service.messaging": "in",
                                                         "customer.channel_ranking": ["messaging", "email"]},
                       context=CUSTOMER)
    planned = _plan(api, customer)["channels"][0]
    assert (planned["channel"], planned["address"]) == ("messaging", "+33611111111")  # the mobile, until…
    body = {"kind": "messaging", "service": "telegram", "value": "@camille_m", "verified": True, "verified_by": "bot"}
    _added(api.post(POINTS.format(customer.pk), body), "messaging")
    planned = _plan(api, customer)["channels"][0]
    assert (planned["channel"], planned["address"]) == ("messaging", "telegram:@camille_m")


def test_an_app_installation_is_added_and_makes_the_app_usable(api, customer):
    body = {"kind": "app", "value": "fcm:dGhpcy1pcy1hLXRva2Vu_0.9", "verified": True, "verified_by": "signed in"}
    point = _added(api.post(POINTS.format(customer.pk), body), "app")
    assert point["value"] == "fcm:dGhpcy1pcy1hLXRva2Vu_0.9"
    assert "app" in api.get(f"/api/v1/customers/{customer.pk}").json()["usable_channels"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "messaging", "value": "+33612345678"},  # no service
        {"kind": "messaging", "service": "icq", "value": "12345"},
        {"kind": "messaging", "service": "whatsapp", "value": "01 42 68 53 00"},  # a landline
        {"kind": "messaging", "service": "whatsapp", "value": "not a number"},
        {"kind": "messaging", "service": "telegram", "value": "camille m"},
        {"kind": "messaging", "service": "telegram", "value": "x" * 65},
        {"kind": "messaging", "service": "signal", "value": "<script>"},
        {"kind": "app", "service": "whatsapp", "value": "install-42"},
        {"kind": "app", "value": "install 42"},
        {"kind": "app", "value": "x" * 201},
        {"kind": "app", "value": "é-install"},
        {"kind": "email", "value": "a@example.com", "phone_type": "mobile"},
        {"kind": "phone", "value": "0612345678", "phone_type": "fax"},
    ],
)
def test_bad_identifiers_are_refused_and_nothing_is_written(api, customer, body):
    count, events = ContactPoint.objects.count(), ConsentEvent.objects.count()
    assert_problem(api.post(POINTS.format(customer.pk), body), 400)
    assert (ContactPoint.objects.count(), ConsentEvent.objects.count()) == (count, events)


def test_a_mobile_number_stated_landline_never_gets_sms(api, customer):
    body = {"kind": "phone", "value": "06 12 34 56 78", "phone_type": "landline", "verified": True,
            "verified_by": "called back"}
    point = _added(api.post(POINTS.format(customer.pk), body), "phone")
    assert point["phone_type"] == "landline"
    document = api.get(f"/api/v1/customers/{customer.pk}").json()
    assert "phone" in document["usable_channels"] and "sms" not in document["usable_channels"]
    with pytest.raises(PreferenceError, match="mobile"):  # the customer cannot switch SMS on either
        preferences_change(customer_id=customer.pk, changes={"subscription.service.sms": "in"}, context=CUSTOMER)


def test_a_landline_number_stated_mobile_gets_sms(api, customer):
    body = {"kind": "phone", "value": "01 42 68 53 00", "phone_type": "mobile", "verified": True,
            "verified_by": "the customer receives texts on it"}
    _added(api.post(POINTS.format(customer.pk), body), "phone")
    preferences_change(customer_id=customer.pk, changes={"subscription.service.sms": "in",
                                                         "customer.channel_ranking": ["sms", "email"]},
                       context=CUSTOMER)
    planned = _plan(api, customer)["channels"][0]
    assert (planned["channel"], planned["address"]) == ("sms", "+33142685300")


def test_upsert_states_the_phone_type_and_changes_it_later_in_the_ledger(api):
    first = api.post(UPSERT, {"external_id": "CRM-T", "phone": "06 12 34 56 78", "phone_verified": True})
    assert first.status_code == 201, first.content
    assert "sms" in first.json()["usable_channels"]
    again = api.post(UPSERT, {"external_id": "CRM-T", "phone": "06 12 34 56 78", "phone_type": "landline"})
    assert again.status_code == 200, again.content
    assert "sms" not in again.json()["usable_channels"]
    assert again.json()["version"] == first.json()["version"] + 1
    point = ContactPoint.objects.get(customer__external_id="CRM-T", kind="phone")
    event = ConsentEvent.objects.filter(key=f"contact_point.{point.pk}").latest("id")
    assert (event.old_value["phone_type"], event.new_value["phone_type"]) == ("mobile", "landline")
    assert "phone_type" in assert_problem(api.post(UPSERT, {"external_id": "CRM-U", "phone_type": "mobile"}), 400)["errors"]
