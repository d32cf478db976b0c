"""Every console URL refuses whoever may not reach it."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(customer_user):
    _, customer = customer_user
    contact_request = request_for(customer)
    return {
        "get": [
            reverse("support:home"),
            reverse("support:home") + "?q=Camille",
            reverse("support:customer_detail", args=[customer.pk]),
            reverse("support:customer_override", args=[customer.pk]),
            reverse("support:request_queue"),
            reverse("support:request_detail", args=[contact_request.pk]),
            reverse("support:dashboard"),
            reverse("support:dashboard_csv"),
        ],
        "post": [
            reverse("support:customer_override", args=[customer.pk]),
            reverse("support:request_assign", args=[contact_request.pk]),
            reverse("support:request_schedule", args=[contact_request.pk]),
            reverse("support:request_complete", args=[contact_request.pk]),
            reverse("support:request_unreachable", args=[contact_request.pk]),
        ],
        "supervisor_only": [reverse("support:dashboard"), reverse("support:dashboard_csv")],
        "contact_request": contact_request,
    }


def test_home_is_the_staff_landing_page(agent_client):
    response = agent_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("support:home")


def test_anonymous_is_sent_to_sign_in(client, urls):
    for url in urls["get"] + urls["post"]:
        response = client.get(url) if url in urls["get"] else client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_customers_are_refused(customer_client, urls):
    for url in urls["get"]:
        assert customer_client.get(url).status_code == 403, url
    for url in urls["post"]:
        assert customer_client.post(url, {"outcome": "x", "key": "customer.language"}).status_code == 403, url
    contact_request = urls["contact_request"]
    contact_request.refresh_from_db()
    assert contact_request.status == "open"


def test_staff_without_totp_must_set_it_up_first(agent_without_totp, urls):
    client = Client()
    client.force_login(agent_without_totp)
    for url in urls["get"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url


def test_agents_reach_the_console_but_not_the_dashboard(agent_client, urls):
    for url in urls["get"]:
        expected = 403 if url in urls["supervisor_only"] else 200
        assert agent_client.get(url).status_code == expected, url


def test_supervisors_reach_everything(supervisor_client, urls):
    for url in urls["get"]:
        assert supervisor_client.get(url).status_code == 200, url


def test_agent_nav_has_no_dashboard_link_and_supervisor_nav_has_one(agent_client, supervisor_client):
    dashboard = reverse("support:dashboard")
    assert f'href="{dashboard}"' not in agent_client.get(reverse("support:home")).content.decode()
    assert f'href="{dashboard}"' in supervisor_client.get(reverse("support:home")).content.decode()


def test_unknown_objects_are_404(agent_client):
    assert agent_client.get(reverse("support:customer_detail", args=[999999])).status_code == 404
    assert agent_client.get(reverse("support:request_detail", args=[999999])).status_code == 404
    assert agent_client.post(reverse("support:request_assign", args=[999999])).status_code == 404


def test_erased_customers_are_404(agent_client, customer_user):
    from django.utils import timezone

    _, customer = customer_user
    customer.erased_at = timezone.now()
    customer.save(update_fields=["erased_at"])
    assert agent_client.get(reverse("support:customer_detail", args=[customer.pk])).status_code == 404


def test_state_changes_need_post(agent_client, urls):
    contact_request = urls["contact_request"]
    for name in ("request_assign", "request_schedule", "request_complete", "request_unreachable"):
        # A GET changes nothing: it leads to the request's page (portal.middleware.PostOnlyAddressMiddleware).
        response = agent_client.get(reverse(f"support:{name}", args=[contact_request.pk]))
        assert (response.status_code, response["Location"]) == (302, f"/support/requests/{contact_request.pk}/")
    assert not contact_request.events.exclude(kind="created").exists()
