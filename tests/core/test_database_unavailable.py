"""A lost database gives a page that says to retry (503), never a 500, and nothing half-applied."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from customer_pages import views as preference_views

pytestmark = pytest.mark.django_db


def test_a_customer_page_answers_503_with_retry_after_when_the_database_is_lost(customer_client, monkeypatch):
    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(preference_views, "preference_document_get", lost)
    response = customer_client.get(reverse("preferences:topics"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert '<html lang="en">' in body and "<main" in body and "try again" in body


def test_other_errors_are_not_disguised(customer_client, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(preference_views, "preference_document_get", broken)
    with pytest.raises(ValueError):
        customer_client.get(reverse("preferences:topics"))


# --- The database gone for real, for signed-in staff: the MFA middleware reads the session first -------


@pytest.fixture
def staff_clients(transactional_db):
    """An agent and a supervisor, signed in (sessions in the database), with TOTP set up."""
    from django.test import Client

    from accounts.roles import AGENT, SUPERVISOR
    from tests.conftest import make_staff_user

    clients = {}
    for role in (AGENT, SUPERVISOR):
        client = Client(raise_request_exception=False)
        client.force_login(make_staff_user(f"{role}@example.com", role))
        clients[role] = client
    return clients


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("role", "path"), [("agent", "/support/"), ("supervisor", "/support/"), ("supervisor", "/admin/")])
def test_staff_pages_answer_503_not_500_when_the_database_is_gone(staff_clients, role, path):
    from tests.core.database_faults import database_gone

    client = staff_clients[role]
    assert client.get(path).status_code == 200  # signed in, TOTP set up: the page opens
    with database_gone():
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert "try again" in response.content.decode()
    # The database is back: the same session opens the page again.
    assert client.get(path).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_problem_when_the_database_is_gone():
    from django.test import Client

    from api.services import api_client_create
    from tests.core.database_faults import database_gone

    _client, key = api_client_create(name="crm", scopes=["customers:read"])
    client = Client(raise_request_exception=False)
    with database_gone():
        response = client.get("/api/v1/customers/1", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:portal:problem:service_unavailable"
    assert response["Retry-After"] == "5"


@pytest.mark.django_db(transaction=True)
def test_healthz_says_the_database_is_down_when_it_is_gone(client):
    from tests.core.database_faults import database_gone

    with database_gone():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"
