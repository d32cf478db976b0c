"""A contact plan reads the week's marketing sends in the documents' own statement on PostgreSQL
(api.selectors.marketing_sends_column): the same sends, hence the same plans, as the query of their own
it replaces (marketing_sends_get), which SQLite still uses."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.selectors import marketing_sends_column, marketing_sends_get
from api.services import SendReport, sends_record
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.documents_pg import preference_documents_active_beside
from preferences.plans import contact_plans_decide
from tests.api.conftest import make_api_customer
from tests.preferences.helpers import CUSTOMER

AT = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
WEEK_START = AT - timedelta(days=7)


class SendsRead:
    """marketing_sends_get, recording whom it was asked about."""

    def __init__(self):
        self.calls: list[list[int]] = []

    def __call__(self, *, customer_ids, at):
        self.calls.append(list(customer_ids))
        return marketing_sends_get(customer_ids=customer_ids, at=at)


@pytest.fixture
def customers(db, make_api):
    """Five customers opted in to offers by email, with sends reported around the week before AT."""
    _api, client = make_api()
    topics = catalog_get().topics_by_code
    offers, newsletter, billing = topics["offers"].pk, topics["newsletter"].pk, topics["billing"].pk
    plans = {  # weekly cap, and the sends: (topic, when)
        "CRM-A": (1, [(offers, WEEK_START), (offers, AT - timedelta(days=3)), (newsletter, AT)]),
        "CRM-B": (2, [(offers, WEEK_START + timedelta(microseconds=1)), (offers, AT + timedelta(microseconds=1))]),
        "CRM-C": (None, [(offers, AT - timedelta(days=1))]),  # no cap: its sends count for nothing
        "CRM-D": (5, [(billing, AT - timedelta(days=1))]),  # not marketing: not counted
        "CRM-E": (1, [(offers, WEEK_START)]),  # exactly a week before AT: outside the week
    }
    found = []
    for number, (external_id, (cap, sends)) in enumerate(plans.items()):
        customer = make_api_customer(external_id, email=f"c{number}@example.com")
        preferences_change(
            customer_id=customer.pk,
            changes={"subscription.offers.email": "in", "customer.weekly_marketing_cap": cap},
            context=CUSTOMER,
        )
        reports = [SendReport(customer_id=customer.pk, topic_id=topic, channel="email", sent_at=when)
                   for topic, when in sends]
        sends_record(client=client, reports=reports)
        found.append(customer)
    return found


def _plans(customers, topic: str, *, column: bool, external: bool = False):
    sends = SendsRead()
    asked = {"external_ids": [c.external_id for c in customers]} if external else {"customer_ids": [c.pk for c in customers]}
    answer = contact_plans_decide(
        topic=catalog_get().topics_by_code[topic],
        ai_generated=True,
        at=AT,
        marketing_sends_get=sends,
        marketing_sends_column=marketing_sends_column if column else None,
        **asked,
    )
    return answer, sends.calls


@pytest.mark.parametrize("external", [False, True])
@pytest.mark.parametrize("topic", ["offers", "newsletter", "billing"])
def test_the_sends_read_beside_the_documents_give_the_same_plans(customers, topic, external):
    beside, beside_calls = _plans(customers, topic, column=True, external=external)
    alone, alone_calls = _plans(customers, topic, column=False, external=external)
    assert beside == alone
    if topic == "billing":  # not marketing: no sends asked either way
        assert beside_calls == alone_calls == []
    elif connection.vendor == "postgresql":
        assert beside_calls == []  # read with the documents
    else:
        assert beside_calls == alone_calls  # SQLite: the query of their own
    if topic == "offers":  # the cap bites where the week's sends reach it, and only there
        capped = {item.external_id for item in alone.plans if "frequency_cap" in item.plan.reasons}
        assert capped == {"CRM-A"}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_column_reads_what_marketing_sends_get_reads(customers):
    ids = [customer.pk for customer in customers]
    documents, sent = preference_documents_active_beside(ids=ids, beside=marketing_sends_column(at=AT))
    beside = {document.customer.pk: sorted(times or []) for document, times in zip(documents, sent, strict=True)}
    alone = marketing_sends_get(customer_ids=ids, at=AT)
    assert beside == {customer_id: sorted(alone.get(customer_id, [])) for customer_id in ids}
    # The week excludes its first instant and includes AT; only marketing topics count.
    a, b, c, d, e = (beside[customer.pk] for customer in customers)
    assert a == [AT - timedelta(days=3), AT] and b == [WEEK_START + timedelta(microseconds=1)]
    assert c == [AT - timedelta(days=1)] and d == e == []
    assert all(moment.tzinfo is not None and moment.utcoffset() == timedelta(0) for moment in a)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_marketing_plan_is_one_statement_on_postgresql(customers):
    with CaptureQueriesContext(connection) as queries:
        answer, calls = _plans(customers[:1], "offers", column=True)
    assert len(queries) == 1 and calls == []
    assert "frequency_cap" in answer.plans[0].plan.reasons


def test_documents_without_a_column_have_no_values(customers):
    documents, sent = preference_documents_active_beside(ids=[customer.pk for customer in customers])
    assert len(documents) == 5 and sent is None
