import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contact_requests.services import Actor, contact_request_schedule
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from support.dashboard import dashboard_build
from tests.contact_requests.helpers import fitting_time, request_for

pytestmark = pytest.mark.django_db
SYSTEM = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT)


@pytest.fixture
def base(agent):
    """Four customers with known choices, and three requests: one answered in time, one overdue."""
    customers = [
        customer_create(external_id=f"C{index}", email=f"c{index}@example.net", email_verified=True, context=SYSTEM)
        for index in range(4)
    ]
    contact_point_add(customer_id=customers[0].pk, kind="postal", value="1 rue A\n75001 Paris", context=SYSTEM)
    preferences_change(
        customer_id=customers[0].pk,
        changes={
            "customer.assistance_mode": "human_first",
            "customer.ai_default": "human_only",
            "topic.billing.paper_copy": True,
            "subscription.offers.email": "in",
        },
        context=SYSTEM,
    )
    preferences_change(customer_id=customers[1].pk, changes={"customer.marketing_objection": True}, context=SYSTEM)
    answered = request_for(customers[0])
    contact_request_schedule(
        contact_request_id=answered.pk, actor=Actor.staff(agent), scheduled_for=fitting_time(answered)
    )
    request_for(customers[1], now=timezone.now() - timedelta(days=14))  # overdue (48 opening hours)
    request_for(customers[2])  # not due yet: not counted for compliance
    return customers


def test_figures(base):
    dashboard = dashboard_build()
    charts = {chart.slug: chart for chart in dashboard.charts}
    assert dashboard.customers == 4
    assert (dashboard.open_requests, dashboard.overdue_requests) == (3, 1)
    # Person first, then objection to marketing.
    assert [(row.value, row.count) for row in charts["human-first"].rows] == [(25.0, 1), (25.0, 1)]
    ai = [row.count for row in charts["ai-levels"].rows]
    assert ai == [0, 3, 1]  # ai_allowed, human_reviewed (the default), human_only
    paper = charts["paper-copies"].rows
    assert (paper[0].value, paper[0].count) == (25.0, 1)
    volume = charts["requests-per-week"].rows
    assert sum(row.count for row in volume) == 3
    compliance = charts["service-level"].rows
    assert sum(row.count for row in compliance) == 2  # one answered, one overdue
    answered_in_time = sum(round(row.value * row.count / 100) for row in compliance)
    assert answered_in_time == 1
    email = next(row for row in charts["channels"].rows if row.label in ("E-mail", "Email"))
    assert email.count > 0
    assert charts["footprint"].rows[0].value > 0


def test_dashboard_page_draws_svg_charts_with_tables(supervisor_client, base, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = supervisor_client.get(reverse("support:dashboard"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<svg class="bar-chart"') == 9  # with the weekly opt-outs and AI refusals
    assert body.count('role="img"') == 9
    assert 'id="chart-channels-table"' in body
    # Drawn without JavaScript: the only script is the site's error focus (static/js/focus-errors.js).
    assert re.findall(r"<script[^>]*>", body) == ['<script src="/static/js/focus-errors.js" defer>']


def test_dashboard_queries_do_not_grow_with_customers(supervisor_client, base, django_assert_max_num_queries):
    for index in range(20):
        customer_create(external_id=f"MORE{index}", context=SYSTEM)
    with django_assert_max_num_queries(12):
        assert supervisor_client.get(reverse("support:dashboard")).status_code == 200


def test_dashboard_csv(supervisor_client, base):
    response = supervisor_client.get(reverse("support:dashboard_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == ["chart", "label", "value", "unit", "count"]
    assert ["customers"] == [table[1][0]] and table[1][2] == "4"
    slugs = {row[0] for row in table[1:]}
    assert {
        "channels",
        "ai-levels",
        "paper-copies",
        "human-first",
        "requests-per-week",
        "service-level",
        "footprint",
    } <= slugs


def test_dashboard_csv_cells_cannot_run_as_formulas(supervisor_client, base):
    from preferences.catalog import catalog_invalidate
    from preferences.models import Topic

    Topic.objects.filter(code="billing").update(name_fr="=cmd|' /C calc'!A0", name_en="=cmd|' /C calc'!A0")
    catalog_invalidate()
    response = supervisor_client.get(reverse("support:dashboard_csv"))
    table = list(csv.reader(io.StringIO(response.content.decode())))
    labels = [row[1] for row in table[1:]]
    assert "'=cmd|' /C calc'!A0" in labels
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for cell in row)


def test_empty_dashboard(supervisor_client):
    response = supervisor_client.get(reverse("support:dashboard"))
    assert response.status_code == 200
