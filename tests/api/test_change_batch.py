"""Changing many customers in one call: one result per item, a failing item alone, or all or nothing."""

from api.models import Scope
from preferences.models import ConsentEvent, Customer
from tests.api.conftest import assert_problem, make_api_customer

CHANGES = "/api/v1/customers/changes"
LARGE_PRINT = {"customer.large_print": True}


def _three() -> list[Customer]:
    return [make_api_customer(f"CRM-{n}", email=f"p{n}@example.com") for n in range(3)]


def test_each_item_is_applied_by_id_or_external_id_with_its_new_version(api):
    first, second, third = _three()
    body = {
        "items": [
            {"customer_id": first.pk, "changes": LARGE_PRINT},
            {"external_id": "CRM-1", "expected_version": second.version, "changes": LARGE_PRINT},
            {"external_id": "CRM-2", "changes": {"subscription.newsletter.email": "out"}},
        ]
    }
    response = api.post(CHANGES, body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["applied"] == 3 and answer["failed"] == 0
    assert [(r["index"], r["customer_id"], r["external_id"], r["status"]) for r in answer["results"]] == [
        (0, first.pk, "CRM-0", "applied"),
        (1, second.pk, "CRM-1", "applied"),
        (2, third.pk, "CRM-2", "applied"),
    ]
    for result, customer in zip(answer["results"], (first, second, third), strict=True):
        customer.refresh_from_db()
        assert result["version"] == customer.version
    assert Customer.objects.filter(large_print=True).count() == 2


def test_a_failing_item_fails_alone_and_says_why(api):
    first, second, _third = _three()
    events = ConsentEvent.objects.count()
    body = {
        "items": [
            {"customer_id": first.pk, "changes": LARGE_PRINT},
            {"customer_id": second.pk, "expected_version": second.version + 5, "changes": LARGE_PRINT},
            {"external_id": "CRM-NOBODY", "changes": LARGE_PRINT},
            {"external_id": "CRM-2", "changes": {"customer.language": "de"}},
        ]
    }
    answer = api.post(CHANGES, body).json()
    assert answer["applied"] == 1 and answer["failed"] == 3
    statuses = [(r["status"], r.get("problem", {}).get("status")) for r in answer["results"]]
    assert statuses == [("applied", None), ("failed", 412), ("failed", 404), ("failed", 400)]
    assert "customer.language" in answer["results"][3]["problem"]["errors"]
    second.refresh_from_db()
    assert second.large_print is False
    assert ConsentEvent.objects.count() > events  # the first item's change stays


def test_atomic_leaves_every_customer_as_it_was_when_one_item_fails(api):
    first, second, _third = _three()
    versions = {c.pk: c.version for c in (first, second)}
    events = ConsentEvent.objects.count()
    body = {
        "atomic": True,
        "items": [
            {"customer_id": first.pk, "changes": LARGE_PRINT},
            {"customer_id": second.pk, "changes": {"customer.language": "de"}},
        ],
    }
    answer = api.post(CHANGES, body).json()
    assert answer["applied"] == 0 and answer["failed"] == 1
    assert [r["status"] for r in answer["results"]] == ["not_applied", "failed"]
    assert "version" not in answer["results"][0]
    assert ConsentEvent.objects.count() == events
    for customer in (first, second):
        customer.refresh_from_db()
        assert customer.version == versions[customer.pk] and customer.large_print is False


def test_atomic_applies_everything_when_nothing_fails(api):
    first, second, _third = _three()
    body = {"atomic": True, "items": [{"customer_id": c.pk, "changes": LARGE_PRINT} for c in (first, second)]}
    answer = api.post(CHANGES, body).json()
    assert answer["applied"] == 2 and answer["failed"] == 0


def test_malformed_batches_are_refused_whole(api):
    (first, *_rest) = _three()
    item = {"customer_id": first.pk, "changes": LARGE_PRINT}
    for body in [
        {"items": []},
        {"items": [item] * 1001},
        {"items": [{**item, "external_id": "CRM-0"}]},  # both ids
        {"items": [{"changes": LARGE_PRINT}]},  # neither
        {"items": [{**item, "chnages": {}}]},
        {"items": [item], "atomc": True},
        {"items": [{"customer_id": first.pk, "changes": {}}]},
    ]:
        assert_problem(api.post(CHANGES, body), 400)
    first.refresh_from_db()
    assert first.large_print is False


def test_changing_many_needs_the_write_scope(make_api):
    (first, *_rest) = _three()
    reader, _client = make_api(Scope.CUSTOMERS_READ)
    assert_problem(reader.post(CHANGES, {"items": [{"customer_id": first.pk, "changes": LARGE_PRINT}]}), 403)


def test_an_item_s_problem_has_the_type_and_title_of_every_problem_and_keeps_its_code(api):
    """An item's problem had `status`, `code` and `detail` only: now `type` and `title` too, as every other
    problem of the API (RFC 9457), the same as a request of its own would get; `code` stays for the
    clients that read it."""
    first, second, _third = _three()
    body = {
        "items": [
            {"customer_id": second.pk, "expected_version": second.version + 5, "changes": LARGE_PRINT},
            {"external_id": "CRM-NOBODY", "changes": LARGE_PRINT},
            {"external_id": "CRM-2", "changes": {"customer.language": "de"}},
        ]
    }
    problems = [result["problem"] for result in api.post(CHANGES, body).json()["results"]]
    assert [(p["type"], p["title"], p["status"], p["code"]) for p in problems] == [
        ("urn:portal:problem:stale_version", "The document changed since you read it.", 412, "stale_version"),
        ("urn:portal:problem:not_found", "Not found.", 404, "not_found"),
        ("urn:portal:problem:validation_error", "The request is not valid.", 400, "validation_error"),
    ]
    assert all(p["detail"] for p in problems) and "customer.language" in problems[2]["errors"]
    # The same type and title as the customer's own PATCH refused for the same reason.
    alone = api.patch(f"/api/v1/customers/{first.pk}", {"changes": {"customer.language": "de"}},
                      headers={"If-Match": f'"{first.version}"'})
    whole = assert_problem(alone, 400)
    assert (whole["type"], whole["title"]) == (problems[2]["type"], problems[2]["title"])
    french = api.post(CHANGES, body, headers={"Accept-Language": "fr"}).json()["results"]
    assert [result["problem"]["title"] for result in french[:2]] == ["Le document a changé depuis votre lecture.", "Introuvable."]
