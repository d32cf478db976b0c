"""Contact points through the API: add (structured postal addresses validated), record a verification
by another system, remove; each a ledger change; refusals for bad input, other customers and scopes."""

from django.core import mail

from api.models import Scope
from preferences.models import ConsentEvent, ContactPoint
from tests.api.conftest import assert_problem, make_api_customer

POINTS = "/api/v1/customers/{}/contact-points"
POINT = "/api/v1/customers/{}/contact-points/{}"
LYON = {"lines": ["Camille Martin", "12 rue des Lilas"], "postcode": "69003", "city": "Lyon"}


def test_a_postal_address_is_added_structured_and_verified_by_the_crm(api, customer):
    body = {"kind": "postal", "address": LYON, "verified": True, "verified_by": "CRM: signed contract"}
    response = api.post(POINTS.format(customer.pk), body)
    assert response.status_code == 201, response.content
    document = response.json()
    postal = [p for p in document["contact_points"] if p["kind"] == "postal"]
    assert postal == [
        {
            "id": postal[0]["id"],
            "kind": "postal",
            "phone_type": "",
            "verified": True,
            "value": "Camille Martin\n12 rue des Lilas\n69003 LYON",
        }
    ]
    assert "postal" in document["usable_channels"]
    assert response["ETag"].startswith(f'"{document["version"]}')
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert event.actor_type == "api_client" and event.evidence == "CRM: signed contract"


def test_a_foreign_address_keeps_its_country(api, customer):
    address = {"lines": ["Rue de la Loi 16"], "postcode": "1000", "city": "Bruxelles", "country": "be"}
    response = api.post(POINTS.format(customer.pk), {"kind": "postal", "address": address})
    assert response.status_code == 201, response.content
    assert ContactPoint.objects.get(customer=customer, kind="postal").value == "Rue de la Loi 16\n1000 BRUXELLES\nBE"


def test_invalid_addresses_are_refused_and_nothing_is_written(api, customer):
    count = ContactPoint.objects.count()
    cases = [
        {"kind": "postal", "address": {**LYON, "postcode": "6900"}},
        {"kind": "postal", "address": {**LYON, "country": "France"}},
        {"kind": "postal", "address": {**LYON, "country": "ZZ", "postcode": "69003"}},  # no such country
        {"kind": "postal", "address": {**LYON, "lines": []}},
        {"kind": "postal", "address": {**LYON, "street": "x"}},
        {"kind": "postal", "value": "12 rue des Lilas\n69003 Lyon"},
        {"kind": "email", "value": "not-an-address"},
        {"kind": "phone", "value": "12"},
        {"kind": "email", "address": LYON},
        {"kind": "email", "value": "alex@example.com", "verified": True},
        {"kind": "postal", "address": LYON, "send_verification": True},
        {"kind": "fax", "value": "0102030405"},
    ]
    for body in cases:
        assert_problem(api.post(POINTS.format(customer.pk), body), 400)
    assert ContactPoint.objects.count() == count


def test_a_phone_says_whether_it_is_a_landline(api, customer):
    response = api.post(POINTS.format(customer.pk), {"kind": "phone", "value": "01 42 68 53 00"})
    assert response.status_code == 201, response.content
    phone = [p for p in response.json()["contact_points"] if p["kind"] == "phone"][0]
    assert phone["phone_type"] == "landline" and phone["value"] == "+33142685300" and phone["verified"] is False


def test_send_verification_sends_the_customer_a_code(api, customer):
    mail.outbox.clear()
    response = api.post(
        POINTS.format(customer.pk), {"kind": "email", "value": "new@example.com", "send_verification": True}
    )
    assert response.status_code == 201, response.content
    assert ContactPoint.objects.get(customer=customer, value="new@example.com").verified_at is None


def test_a_contact_point_is_verified_then_removed(api, customer):
    added = api.post(POINTS.format(customer.pk), {"kind": "phone", "value": "06 12 34 56 78"}).json()
    point = [p for p in added["contact_points"] if p["kind"] == "phone"][0]
    verified = api.patch(
        POINT.format(customer.pk, point["id"]), {"verified": True, "verified_by": "SMS code at the CRM"}
    )
    assert verified.status_code == 200, verified.content
    assert [p["verified"] for p in verified.json()["contact_points"] if p["kind"] == "phone"] == [True]
    assert verified.json()["version"] == added["version"] + 1
    assert_problem(api.patch(POINT.format(customer.pk, point["id"]), {"verified": False, "verified_by": "x"}), 400)
    removed = api.delete(POINT.format(customer.pk, point["id"]))
    assert removed.status_code == 200, removed.content
    assert not ContactPoint.objects.filter(pk=point["id"]).exists()
    assert ConsentEvent.objects.filter(customer=customer, key=f"contact_point.{point['id']}").count() == 3


def test_another_customers_contact_point_is_not_found(api, customer):
    other = make_api_customer("CRM-OTHER", email="other@example.com")
    others_point = ContactPoint.objects.get(customer=other)
    assert_problem(api.patch(POINT.format(customer.pk, others_point.pk), {"verified": True, "verified_by": "x"}), 404)
    assert_problem(api.delete(POINT.format(customer.pk, others_point.pk)), 404)
    assert ContactPoint.objects.filter(pk=others_point.pk).exists()
    assert_problem(api.post(POINTS.format(999999), {"kind": "email", "value": "a@example.com"}), 404)


def test_writing_contact_points_needs_the_write_scope(make_api, customer):
    reader, _client = make_api(Scope.CUSTOMERS_READ, Scope.CONTACT_POINTS_READ)
    assert_problem(reader.post(POINTS.format(customer.pk), {"kind": "email", "value": "a@example.com"}), 403)
    point = ContactPoint.objects.get(customer=customer)
    assert_problem(reader.delete(POINT.format(customer.pk, point.pk)), 403)


def test_a_phone_type_is_changed_in_the_ledger_and_refused_for_other_kinds(api, customer):
    added = api.post(POINTS.format(customer.pk), {"kind": "phone", "value": "06 12 34 56 78"}).json()
    point = [p for p in added["contact_points"] if p["kind"] == "phone"][0]
    assert point["phone_type"] == "mobile"
    changed = api.patch(POINT.format(customer.pk, point["id"]), {"phone_type": "landline"})
    assert changed.status_code == 200, changed.content
    assert [p["phone_type"] for p in changed.json()["contact_points"] if p["kind"] == "phone"] == ["landline"]
    assert changed.json()["version"] == added["version"] + 1
    event = ConsentEvent.objects.filter(customer=customer, key=f"contact_point.{point['id']}").latest("id")
    assert (event.old_value["phone_type"], event.new_value["phone_type"]) == ("mobile", "landline")
    # The same type again changes nothing; type and verification at once are one change.
    same = api.patch(POINT.format(customer.pk, point["id"]), {"phone_type": "landline"})
    assert same.json()["version"] == changed.json()["version"]
    both = api.patch(POINT.format(customer.pk, point["id"]), {"phone_type": "mobile", "verified": True, "verified_by": "CRM"})
    assert both.json()["version"] == changed.json()["version"] + 1
    stored = ContactPoint.objects.get(pk=point["id"])
    assert stored.phone_type == "mobile" and stored.is_verified
    email = ContactPoint.objects.get(customer=customer, kind="email")
    version = both.json()["version"]
    for body in ({"phone_type": "mobile"}, {"phone_type": "fax"}, {}, {"verified_by": "x"}, {"verified": True}):
        target = email.pk if body == {"phone_type": "mobile"} else point["id"]
        problem = assert_problem(api.patch(POINT.format(customer.pk, target), body), 400)
        assert problem["errors"], body
    email.refresh_from_db()
    assert email.phone_type == "" and api.get(f"/api/v1/customers/{customer.pk}").json()["version"] == version


BY_EXTERNAL_ID = "/api/v1/customers/by-external-id/{}/contact-points"


def test_contact_points_are_reached_by_the_client_s_own_id_too(api, customer):
    # The README said every customer operation was also at by-external-id; contact points were a 404.
    added = api.post(BY_EXTERNAL_ID.format("CRM-1"), {"kind": "phone", "value": "06 12 34 56 78"})
    assert added.status_code == 201, added.content
    point = [p for p in added.json()["contact_points"] if p["kind"] == "phone"][0]
    path = f"{BY_EXTERNAL_ID.format('CRM-1')}/{point['id']}"
    verified = api.patch(path, {"verified": True, "verified_by": "SMS code at the CRM"})
    assert verified.status_code == 200 and verified.json()["version"] == added.json()["version"] + 1
    assert api.delete(path).status_code == 200
    assert not ContactPoint.objects.filter(pk=point["id"]).exists()
    # Another customer's point, an unknown id, a missing scope: refused as by id.
    other = make_api_customer("CRM-OTHER", email="other@example.com")
    others_point = ContactPoint.objects.get(customer=other)
    assert_problem(api.delete(f"{BY_EXTERNAL_ID.format('CRM-1')}/{others_point.pk}"), 404)
    assert_problem(api.post(BY_EXTERNAL_ID.format("CRM-NOBODY"), {"kind": "email", "value": "a@example.com"}), 404)
    assert ContactPoint.objects.filter(pk=others_point.pk).exists()


def test_writing_contact_points_by_external_id_needs_the_write_scope(make_api, customer):
    reader, _client = make_api(Scope.CUSTOMERS_READ, Scope.CONTACT_POINTS_READ)
    assert_problem(reader.post(BY_EXTERNAL_ID.format("CRM-1"), {"kind": "email", "value": "a@example.com"}), 403)
    point = ContactPoint.objects.get(customer=customer)
    assert_problem(reader.delete(f"{BY_EXTERNAL_ID.format('CRM-1')}/{point.pk}"), 403)
    assert ContactPoint.objects.filter(pk=point.pk).exists()
