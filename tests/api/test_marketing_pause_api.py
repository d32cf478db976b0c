"""The marketing pause through the API: in the preference document, set with If-Match, enforced by
contact plans (reason marketing_paused, next_allowed_at the end of the pause)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.api.conftest import assert_problem
from tests.moments import recent_iso

pytestmark = pytest.mark.django_db
DETAIL = "/api/v1/customers/{}"
PLANS = "/api/v1/contact-plans"


def test_a_pause_shows_in_the_document_and_holds_marketing_plans_back(api, customer):
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"},
                       context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL))
    assert api.get(DETAIL.format(customer.pk)).json()["settings"]["marketing_paused_until"] is None
    customer.refresh_from_db()
    response = api.patch(DETAIL.format(customer.pk), {"changes": {"customer.marketing_paused_until": recent_iso("2026-04-01T08:00:00+02:00")}},
                         headers={"If-Match": f'"{customer.version}"'})
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["marketing_paused_until"] == recent_iso("2026-04-01T06:00:00Z")
    (plan,) = api.post(PLANS, {"topic": "offers", "customer_ids": [customer.pk], "at": recent_iso("2026-03-10T11:00:00Z")}).json()["plans"]
    assert plan["allowed"] is False and plan["reasons"] == ["marketing_paused"]
    assert plan["next_allowed_at"] == recent_iso("2026-04-01T06:00:00Z")
    (after,) = api.post(PLANS, {"topic": "offers", "customer_ids": [customer.pk], "at": recent_iso("2026-04-01T06:00:00Z")}).json()["plans"]
    assert after["allowed"] is True
    (billing,) = api.post(PLANS, {"topic": "billing", "customer_ids": [customer.pk], "at": recent_iso("2026-03-10T11:00:00Z")}).json()["plans"]
    assert billing["allowed"] is True


def test_a_pause_too_long_or_without_a_time_zone_is_a_problem(api, customer):
    too_far = (timezone.now() + timedelta(days=200)).isoformat()
    for value in [too_far, "2026-04-01T08:00:00", "next month"]:
        customer.refresh_from_db()
        response = api.patch(DETAIL.format(customer.pk), {"changes": {"customer.marketing_paused_until": value}},
                             headers={"If-Match": f'"{customer.version}"'})
        assert_problem(response, 400)
