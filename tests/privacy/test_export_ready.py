"""The export is ready: the customer is emailed the link, and the page follows the progress through a
status URL that answers for the customer's own exports only."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from privacy.models import DataExport, RequestedBy
from privacy.services import data_export_build, data_export_request

pytestmark = pytest.mark.django_db

PAGE = "/my/privacy/"
READY = {
    "fr": ("Vos données sont prêtes à télécharger", "Le téléchargement de vos données demandé le"),
    "en": ("Your data is ready to download", "The download of your data you asked for on"),
}


def status_url(export) -> str:
    return f"{PAGE}exports/{export.pk}/status"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_customer_is_emailed_the_link_when_the_export_is_ready(
    customer_client, customer_user, settings, language, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://127.0.0.1:8101"
    _, customer = customer_user
    customer.language = language
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        assert customer_client.post(f"{PAGE}exports/").status_code == 302
    export = DataExport.objects.get()
    assert export.status == "ready"
    [message] = mail.outbox
    subject, first_words = READY[language]
    assert message.to == ["camille@example.com"] and message.subject == subject
    assert first_words in message.body
    assert "http://127.0.0.1:8101/my/privacy/#download-title" in message.body
    # The link leads to the page with the downloads (after signing in).
    assert f"/my/privacy/exports/{export.pk}/download.json" in customer_client.get(PAGE).content.decode()


def test_a_failed_export_is_told_too(customer_user, monkeypatch, django_capture_on_commit_callbacks):
    _, customer = customer_user

    def broken(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("privacy.services.customer_data_collect", broken)
    export = data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER)
    with django_capture_on_commit_callbacks(execute=True):
        data_export_build(export_id=export.pk)
    [message] = mail.outbox
    assert message.subject == "Nous n’avons pas pu préparer vos données"
    assert "/my/privacy/" in message.body


@pytest.mark.parametrize("requested_by_type", [RequestedBy.STAFF, RequestedBy.API_CLIENT])
def test_exports_prepared_by_staff_or_a_system_do_not_email_the_customer(
    customer_user, requested_by_type, django_capture_on_commit_callbacks
):
    _, customer = customer_user
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(
            customer_id=customer.pk, requested_by_type=requested_by_type, requested_by_id="7", reason="Asked by letter"
        )
        data_export_build(export_id=export.pk)
    assert DataExport.objects.get(pk=export.pk).status == "ready"
    assert mail.outbox == []


def test_the_status_url_tells_the_progress_in_the_customers_language(customer_client, customer_user):
    _, customer = customer_user
    export = data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER)
    DataExport.objects.filter(pk=export.pk).update(status="running", progress=50)
    response = customer_client.get(status_url(export), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert response.json() == {
        "id": export.pk,
        "status": "running",
        "in_progress": True,
        "progress": 50,
        "status_label": "Being prepared",
        "progress_label": "50% done",
        "message": "",
    }
    DataExport.objects.filter(pk=export.pk).update(status="ready", progress=100, finished_at=timezone.now())
    body = customer_client.get(status_url(export), HTTP_ACCEPT_LANGUAGE="fr").json()
    assert (body["in_progress"], body["status_label"]) == (False, "Disponible au téléchargement")
    assert body["progress_label"] == "Avancement\u00a0: 100\u00a0%"
    assert body["message"] == "Vos données sont prêtes\u00a0: les liens de téléchargement sont dans le tableau."


def test_the_status_url_refuses_another_customers_export(customer_client, customer_user, other_customer_user):
    _, customer = customer_user
    _, other = other_customer_user
    theirs = data_export_request(customer_id=other.pk, requested_by_type=RequestedBy.CUSTOMER)
    assert customer_client.get(status_url(theirs)).status_code == 404
    # Nor one that does not exist, or no longer does; nor anyone signed out; nor a write.
    assert customer_client.get(f"{PAGE}exports/999999/status").status_code == 404
    mine = data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER)
    DataExport.objects.filter(pk=mine.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert customer_client.get(status_url(mine)).status_code == 404
    response = Client().get(status_url(theirs))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert customer_client.post(status_url(theirs)).status_code == 405


def test_polling_costs_a_fixed_number_of_queries(customer_client, customer_user, django_assert_max_num_queries):
    _, customer = customer_user
    export = data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER)
    customer_client.get(status_url(export))  # warms the session and caches
    with django_assert_max_num_queries(4):
        assert customer_client.get(status_url(export)).status_code == 200


def test_staff_pages_get_no_status_urls(supervisor_client, customer_user):
    _, customer = customer_user
    data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.STAFF, reason="Asked by letter")
    page = supervisor_client.get(f"/support/customers/{customer.pk}/privacy/").content.decode()
    assert "<progress" in page and "data-export-status=" not in page
