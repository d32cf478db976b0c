"""Download my data: prepared by Celery, with progress, as JSON and CSV, kept 7 days."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from contact_requests.models import ContactRequest
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from privacy.models import DataExport
from privacy.selectors import customer_data_collect
from privacy.services import data_exports_purge
from tests.contact_requests.helpers import request_for
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
PAGE = "/my/privacy/"


def prepare(client, django_capture_on_commit_callbacks) -> DataExport:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}exports/")
    assert response.status_code == 302
    return DataExport.objects.latest("id")


def test_the_export_opens_as_valid_json_and_csv(customer_client, customer_user, django_capture_on_commit_callbacks):
    _, customer = customer_user
    add_verified_phone(customer, "06 12 34 56 78")
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    request_for(customer, reason="Please call me about my contract.")
    export = prepare(customer_client, django_capture_on_commit_callbacks)
    assert export.status == "ready" and export.progress == 100
    page = customer_client.get(PAGE).content.decode()
    assert f"/my/privacy/exports/{export.pk}/download.json" in page

    response = customer_client.get(f"{PAGE}exports/{export.pk}/download.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["customer"]["account_email"] == "camille@example.com"
    assert {p["value"] for p in data["contact_points"]} == {"camille@example.com", "+33612345678"}
    assert data["preferences"]["subscription.offers.email"] == "in"
    assert any(e["key"] == "subscription.offers.email" for e in data["consent_events"])
    assert data["contact_requests"][0]["reason"] == "Please call me about my contract."
    created = data["contact_requests"][0]["events"][0]
    assert created["kind"] == "created" and "preferred_time_slots" in created["details"]

    response = customer_client.get(f"{PAGE}exports/{export.pk}/download.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "field", "value"]
    assert ["preferences", "", "subscription.offers.email", "in"] in rows
    assert {row[0] for row in rows[1:]} == {"customer", "preferences", "contact_points", "consent_events", "contact_requests"}


def test_the_page_shows_progress_without_javascript(customer_client, customer_user):
    response = customer_client.post(f"{PAGE}exports/")  # the task is queued on commit: not run here
    assert response.status_code == 302
    page = customer_client.get(PAGE).content.decode()
    assert "<progress" in page and f'href="{PAGE}"' in page  # a plain link refreshes the page
    # The script that follows the progress is a file (CSP: script-src 'self'), never inline code.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert scripts == ["", ""] and 'src="/static/js/export-progress.js"' in page  # and focus-errors.js, every page's
    # Asking again while one is in progress does not queue a second one.
    customer_client.post(f"{PAGE}exports/")
    assert DataExport.objects.count() == 1


def test_refusals(customer_client, customer_user, other_customer_user, client, django_capture_on_commit_callbacks):
    export = prepare(customer_client, django_capture_on_commit_callbacks)
    other = client.__class__()
    other.force_login(other_customer_user[0])
    assert other.get(f"{PAGE}exports/{export.pk}/download.json").status_code == 404
    assert customer_client.get(f"{PAGE}exports/{export.pk}/download.xml").status_code == 404
    anonymous = client.__class__()
    response = anonymous.get(f"{PAGE}exports/{export.pk}/download.json")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous.get(PAGE).status_code == 302


def test_exports_are_deleted_after_seven_days(customer_client, django_capture_on_commit_callbacks):
    export = prepare(customer_client, django_capture_on_commit_callbacks)
    assert export.expires_at - timezone.now() > timedelta(days=6, hours=23)
    assert data_exports_purge(now=timezone.now() + timedelta(days=6)) == 0
    assert data_exports_purge(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    assert not DataExport.objects.exists()


def test_collecting_the_data_costs_the_same_queries_however_much_there_is(customer_user, django_assert_max_num_queries):
    _, customer = customer_user
    for index in range(5):
        request_for(customer, reason=f"Request {index}")
        preferences_change(customer_id=customer.pk, changes={"customer.easy_read": index % 2 == 0}, context=CUSTOMER)
    assert ContactRequest.objects.filter(customer=customer).count() == 5
    customer_data_collect(customer_id=customer.pk)  # warms the cached catalogue
    with django_assert_max_num_queries(7):
        data = customer_data_collect(customer_id=customer.pk)
    assert len(data["contact_requests"]) == 5


def test_a_supervisor_prepares_an_export_with_a_reason_and_an_agent_cannot(
    agent_client, supervisor_client, customer_user, django_capture_on_commit_callbacks
):
    _, customer = customer_user
    url = f"/support/customers/{customer.pk}/privacy/"
    # The agent sees the page, without the exports nor the direct form: they ask a supervisor (four eyes).
    agent_page = agent_client.get(url).content.decode()
    assert f'action="{url}exports/"' not in agent_page and 'id="approval-request"' in agent_page
    assert agent_client.post(f"{url}exports/", {"reason": "Asked by letter, ref. 12"}).status_code == 403
    assert not DataExport.objects.exists()
    assert supervisor_client.get(url).status_code == 200
    assert supervisor_client.post(f"{url}exports/", {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(f"{url}exports/", {"reason": "Asked by letter, ref. 12"})
    assert response.status_code == 302
    export = DataExport.objects.get()
    assert (export.requested_by_type, export.reason, export.status) == ("staff", "Asked by letter, ref. 12", "ready")
    assert supervisor_client.get(f"{url}exports/{export.pk}/download.csv").status_code == 200
    assert agent_client.get(f"{url}exports/{export.pk}/download.csv").status_code == 403


def test_customers_cannot_reach_the_staff_pages(customer_client, customer_user):
    _, customer = customer_user
    assert customer_client.get(f"/support/customers/{customer.pk}/privacy/").status_code == 403


INJECTION = "=cmd|' /C calc'!A0"


def test_the_csv_parses_back_to_the_json_values_with_formulas_neutralised(customer_user):
    from privacy.exports import export_csv, export_json

    _, customer = customer_user
    hostile = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, user_agent=INJECTION)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=hostile)
    request_for(customer, reason=INJECTION, preferred_time_slots=["weekday_morning"])
    request_for(customer, reason='She said "call me", twice, then -1')
    data = json.loads(export_json(customer_data_collect(customer_id=customer.pk)))
    rows = list(csv.reader(io.StringIO(export_csv(customer_data_collect(customer_id=customer.pk)))))

    def cell(section, field, item=None):
        found = [row[3] for row in rows if row[0] == section and row[2] == field and (item is None or row[1] == str(item))]
        assert found, (section, field)
        return found

    # Free texts a spreadsheet would run start with a quote; everything else reads back exactly.
    assert "'" + INJECTION in cell("contact_requests", "reason")
    assert 'She said "call me", twice, then -1' in cell("contact_requests", "reason")
    assert "'" + INJECTION in cell("consent_events", "user_agent")
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for value in row)
    # Dates are plain text, not JSON strings quoted again; lists and objects are JSON; booleans JSON too.
    created = cell("customer", "created_at")[0]
    assert created == data["customer"]["created_at"] and not created.startswith('"')
    slots = [json.loads(value) for value in cell("contact_requests", "preferred_time_slots")]
    assert ["weekday_morning"] in slots
    steps = [json.loads(value) for value in cell("contact_requests", "events")]  # each request's steps, as JSON
    assert any(step["details"].get("preferred_time_slots") == ["weekday_morning"] for steps_of in steps for step in steps_of)
    assert cell("preferences", "customer.easy_read") == ["false"]
    assert cell("preferences", "subscription.offers.email") == ["in"]
