"""A lost database gives a page that says to retry (503), never a 500, and nothing half-applied."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from preferences import views as preference_views

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
