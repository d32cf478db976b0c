"""preferences.plans: a contact-plan request for many customers, without the API around it."""

from datetime import UTC, datetime, timedelta

from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.plans import contact_plans_decide
from tests.conftest import make_customer_user
from tests.preferences.helpers import CUSTOMER

TUESDAY_NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


class SendsRead:
    """A stand-in for the API's reader of reported sends: records what it was asked."""

    def __init__(self, sent: dict[int, list[datetime]]):
        self.sent, self.calls = sent, []

    def __call__(self, *, customer_ids: list[int], at: datetime) -> dict[int, list[datetime]]:
        self.calls.append((customer_ids, at))
        return self.sent


def test_each_customer_once_in_the_order_asked_and_unknown_ids_listed(db):
    _, camille = make_customer_user()
    _, dominique = make_customer_user("dominique@example.com")
    sends = SendsRead({})
    answer = contact_plans_decide(
        topic=catalog_get().topics_by_code["billing"],
        ai_generated=False,
        at=TUESDAY_NOON,
        customer_ids=[dominique.pk, 999_999, camille.pk, dominique.pk],
        marketing_sends_get=sends,
    )
    assert [item.plan.customer_id for item in answer.plans] == [dominique.pk, camille.pk]
    assert answer.unknown == [999_999]
    assert sends.calls == []  # not a marketing topic: the weekly cap does not apply


def test_marketing_asks_the_sends_of_the_customers_found_and_applies_the_weekly_cap(db):
    _, camille = make_customer_user()
    preferences_change(
        customer_id=camille.pk,
        changes={"subscription.offers.email": "in", "customer.weekly_marketing_cap": 1},
        context=CUSTOMER,
    )
    sends = SendsRead({camille.pk: [TUESDAY_NOON - timedelta(days=1)]})
    answer = contact_plans_decide(
        topic=catalog_get().topics_by_code["offers"],
        ai_generated=False,
        at=TUESDAY_NOON,
        customer_ids=[camille.pk, 999_999],
        marketing_sends_get=sends,
    )
    assert sends.calls == [([camille.pk], TUESDAY_NOON)]
    (item,) = answer.plans
    assert item.plan.allowed is False and "frequency_cap" in item.plan.reasons


def test_the_sends_are_asked_only_for_customers_with_a_weekly_cap(db):
    """Only the cap reads the sends: the others are not asked for, and their plan is the same."""
    _, camille = make_customer_user()
    _, dominique = make_customer_user("dominique@example.com")
    for customer, cap in ((camille, 1), (dominique, None)):
        preferences_change(
            customer_id=customer.pk,
            changes={"subscription.offers.email": "in", "customer.weekly_marketing_cap": cap},
            context=CUSTOMER,
        )
    week = [TUESDAY_NOON - timedelta(days=1)]
    sends = SendsRead({camille.pk: week, dominique.pk: week})
    answer = contact_plans_decide(
        topic=catalog_get().topics_by_code["offers"],
        ai_generated=False,
        at=TUESDAY_NOON,
        customer_ids=[camille.pk, dominique.pk],
        marketing_sends_get=sends,
    )
    assert sends.calls == [([camille.pk], TUESDAY_NOON)]
    camille_plan, dominique_plan = (item.plan for item in answer.plans)
    assert "frequency_cap" in camille_plan.reasons
    assert dominique_plan.reasons == [] and dominique_plan.allowed is True
