"""GET /api/v1/customers/<external_id>/unsubscribe-links: the URL and the List-Unsubscribe headers."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from api.models import Scope
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import Subscription
from tests.api.conftest import assert_problem, make_api_customer

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/{}/unsubscribe-links"


def test_a_sender_gets_the_url_and_the_headers_and_the_link_works(make_api):
    customer = make_api_customer("CRM-42")
    preferences_change(
        customer_id=customer.pk,
        changes={"subscription.offers.email": "in"},
        context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    )
    api, _client = make_api(Scope.UNSUBSCRIBE_LINKS_READ)
    response = api.get(URL.format("CRM-42"), topic="offers", channel="email")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["list_unsubscribe"] == f"<{body['url']}>"
    assert body["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert (body["topic"], body["channel"]) == ("offers", "email")
    assert "CRM-42" not in body["url"]
    path = body["url"].split("://", 1)[1].split("/", 1)[1]
    mail_client = Client(enforce_csrf_checks=True)
    posted = mail_client.post(f"/{path}", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert posted.status_code == 200
    assert Subscription.objects.get(customer=customer, topic__code="offers", channel="email").status == "out"
    # Asking again gives the same link.
    assert api.get(URL.format("CRM-42"), topic="offers", channel="email").json()["url"] == body["url"]


def test_no_topic_means_every_marketing_message(make_api):
    make_api_customer("CRM-43")
    api, _client = make_api(Scope.UNSUBSCRIBE_LINKS_READ)
    body = api.get(URL.format("CRM-43")).json()
    assert body["topic"] is None and body["channel"] is None


@pytest.mark.parametrize(
    "params",
    [{"topic": "offers"}, {"topic": "security", "channel": "email"}, {"topic": "nope", "channel": "email"},
     {"topic": "offers", "channel": "fax"}],
)
def test_bad_parameters_are_400(make_api, params):
    make_api_customer("CRM-44")
    api, _client = make_api(Scope.UNSUBSCRIBE_LINKS_READ)
    assert_problem(api.get(URL.format("CRM-44"), **params), 400)


def test_refusals(make_api, client):
    make_api_customer("CRM-45")
    api, _client = make_api(Scope.CUSTOMERS_READ)
    assert_problem(api.get(URL.format("CRM-45")), 403)
    assert_problem(client.get(URL.format("CRM-45")), 401)
    allowed, _client = make_api(Scope.UNSUBSCRIBE_LINKS_READ)
    assert_problem(allowed.get(URL.format("CRM-unknown")), 404)


def test_the_links_are_also_at_by_external_id_as_every_operation_on_one_customer(make_api):
    # /customers/by-external-id/{external_id}/unsubscribe-links was a 404: a client that follows the
    # README's "every operation on one customer is also at by-external-id" found nothing there.
    make_api_customer("42")
    api, _client = make_api(Scope.UNSUBSCRIBE_LINKS_READ)
    body = api.get("/api/v1/customers/by-external-id/42/unsubscribe-links", topic="offers", channel="email").json()
    assert (body["topic"], body["channel"]) == ("offers", "email")
    assert body["url"] == api.get(URL.format("42"), topic="offers", channel="email").json()["url"]
    assert_problem(api.get("/api/v1/customers/by-external-id/CRM-NOBODY/unsubscribe-links"), 404)


def test_the_old_path_says_it_is_deprecated_and_where_the_operation_lives_now(make_api):
    # /customers/{id}/unsubscribe-links reads any id as the client's own, digits included, beside paths
    # that take ours: a client that sent our id 5 got the link of the customer it calls "5".
    make_api_customer("42")
    api, _client = make_api(Scope.UNSUBSCRIBE_LINKS_READ)
    old = api.get(URL.format("42"), topic="offers", channel="email")
    assert old.status_code == 200
    assert old["Deprecation"] == "@1796601600"  # RFC 9745: since 2026-12-07
    assert old["Link"] == '</api/v1/customers/by-external-id/42/unsubscribe-links>; rel="successor-version"'
    missing = api.get(URL.format("CRM-unknown"))
    assert missing.status_code == 404 and missing["Deprecation"] == "@1796601600"
    new = api.get("/api/v1/customers/by-external-id/42/unsubscribe-links", topic="offers", channel="email")
    assert new.status_code == 200 and "Deprecation" not in new and "Link" not in new


def test_the_schema_marks_the_old_path_deprecated_with_its_headers():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    old = paths["/api/v1/customers/{external_id}/unsubscribe-links"]["get"]
    new = paths["/api/v1/customers/by-external-id/{external_id}/unsubscribe-links"]["get"]
    assert old["deprecated"] is True and "deprecated" not in new
    assert {"Deprecation", "Link"} <= set(old["responses"]["200"]["headers"])
    assert {"Deprecation", "Link"} <= set(old["responses"]["404"]["headers"])
    assert "Deprecation" not in new["responses"]["200"]["headers"]
