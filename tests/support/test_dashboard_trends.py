"""The dashboard over time, from the ledger: opt-outs per week by channel and the share of AI choices
refusing AI, drawn as SVG with their tables and in the CSV, in a fixed number of queries."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from support.dashboard import dashboard_build

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=PARIS)  # a Wednesday
TWO_WEEKS_AGO = NOW - timedelta(weeks=2)
SYSTEM = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT)
BY_CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
# The page: the request's own (session, user, roles, MFA) and the dashboard's six aggregate queries.
QUERIES = 10


def _at(monkeypatch, moment):
    """The ledger records the time of the change: set the clock (outside the project) for it."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def history(monkeypatch):
    _at(monkeypatch, TWO_WEEKS_AGO - timedelta(days=1))
    a, b, c = (
        customer_create(external_id=f"T{index}", email=f"t{index}@example.net", email_verified=True, context=SYSTEM)
        for index in range(3)
    )
    contact_point_add(customer_id=c.pk, kind="postal", value="1 rue A\n75001 Paris", context=SYSTEM)
    _at(monkeypatch, TWO_WEEKS_AGO)
    preferences_change(customer_id=a.pk, changes={"subscription.billing.email": "out"}, context=BY_CUSTOMER)
    preferences_change(customer_id=c.pk, changes={"customer.ai_default": "human_only"}, context=BY_CUSTOMER)
    _at(monkeypatch, NOW - timedelta(hours=1))
    preferences_change(
        customer_id=b.pk, changes={"subscription.billing.email": "out", "subscription.service.email": "out"},
        context=BY_CUSTOMER,
    )
    preferences_change(customer_id=c.pk, changes={"subscription.newsletter.postal": "in"}, context=BY_CUSTOMER)
    preferences_change(customer_id=c.pk, changes={"subscription.newsletter.postal": "out"}, context=BY_CUSTOMER)
    preferences_change(customer_id=a.pk, changes={"customer.ai_default": "human_only"}, context=BY_CUSTOMER)
    preferences_change(customer_id=b.pk, changes={"customer.ai_default": "ai_allowed"}, context=BY_CUSTOMER)
    _at(monkeypatch, NOW)
    return a, b, c


def test_opt_outs_per_week_by_channel_and_the_share_refusing_ai(history):
    dashboard = dashboard_build(now=NOW)
    opt_outs = dashboard.stacked[0]
    assert opt_outs.slug == "opt-outs-per-week" and len(opt_outs.rows) == 12
    email, postal = 0, 2  # the catalogue's order: email, sms, postal, phone, messaging, app
    this_week, two_weeks_ago = opt_outs.rows[-1], opt_outs.rows[-3]
    assert this_week.week.isoformat() == "2026-03-09" and two_weeks_ago.week.isoformat() == "2026-02-23"
    assert (this_week.counts[email], this_week.counts[postal], this_week.total) == (2, 1, 3)
    assert (two_weeks_ago.counts[email], two_weeks_ago.total) == (1, 1)
    assert sum(row.total for row in opt_outs.rows) == 4
    ai = {chart.slug: chart for chart in dashboard.charts}["ai-refusals-per-week"]
    # Two weeks ago: the three new customers' starting choice (human_reviewed) and one refusal.
    assert [(row.value, row.count) for row in ai.rows[-3:]] == [(25.0, 4), (0.0, 0), (50.0, 2)]


def test_the_page_draws_them_accessibly_in_a_fixed_number_of_queries(supervisor_client, history, django_assert_num_queries):
    supervisor_client.get(reverse("support:dashboard"))  # the session, the catalogue: cached from now on
    with django_assert_num_queries(QUERIES):
        body = supervisor_client.get(reverse("support:dashboard")).content.decode()
    for slug in ("opt-outs-per-week", "ai-refusals-per-week"):
        assert f'aria-labelledby="chart-{slug}-svg-title chart-{slug}-svg-desc"' in body
        assert f'<title id="chart-{slug}-svg-title">' in body and f'<desc id="chart-{slug}-svg-desc">' in body
        assert f'id="chart-{slug}-table"' in body
    assert "style=" not in body  # the policy allows no inline style: colours are SVG fills


def test_the_query_count_does_not_grow_with_the_ledger(supervisor_client, history, django_assert_num_queries):
    a, _b, _c = history
    for index in range(20):
        preferences_change(customer_id=a.pk, changes={"customer.ai_default": ["ai_allowed", "human_only"][index % 2]},
                           context=BY_CUSTOMER)
    supervisor_client.get(reverse("support:dashboard"))
    with django_assert_num_queries(QUERIES):
        assert supervisor_client.get(reverse("support:dashboard")).status_code == 200


def test_the_csv_has_a_line_per_week_and_channel(supervisor_client, history):
    table = list(csv.reader(io.StringIO(supervisor_client.get(reverse("support:dashboard_csv")).content.decode())))
    opt_out_lines = [row for row in table if row[0] == "opt-outs-per-week"]
    assert len(opt_out_lines) == 12 * 6
    assert sum(int(row[2]) for row in opt_out_lines) == 4
    assert len([row for row in table if row[0] == "ai-refusals-per-week"]) == 12
