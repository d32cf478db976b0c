"""A staff member chooses the zone the console shows times in; the ledger and requests follow it."""

import pytest
from django.urls import reverse

from accounts.services import staff_time_zone_set
from tests.conftest import make_staff_user

pytestmark = pytest.mark.django_db


def test_the_ledger_shows_times_in_the_agent_zone(agent, agent_client, customer_user):
    _user, customer = customer_user
    url = reverse("support:customer_detail", args=[customer.pk])
    assert "Europe/Paris" in agent_client.get(url).content.decode()  # the site's, until one is chosen
    response = agent_client.post(reverse("support:staff_settings"), {"time_zone": "America/Montreal"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.time_zone == "America/Montreal"
    body = agent_client.get(url).content.decode()
    assert "America/Montreal" in body and "(Europe/Paris)" not in body


def test_an_unknown_zone_is_a_form_error_and_changes_nothing(agent, agent_client):
    response = agent_client.post(reverse("support:staff_settings"), {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    agent.refresh_from_db()
    assert agent.time_zone == ""


def test_each_staff_member_has_their_own(agent, agent_client, db):
    other = make_staff_user("other-agent@example.com", "agent")
    staff_time_zone_set(user=other, time_zone="Indian/Reunion")
    agent_client.post(reverse("support:staff_settings"), {"time_zone": "Asia/Tokyo"})
    other.refresh_from_db()
    assert other.time_zone == "Indian/Reunion"
    with pytest.raises(ValueError):
        staff_time_zone_set(user=other, time_zone="Nowhere/Else")


def test_the_customer_pages_keep_the_site_zone(agent, customer_user, client):
    user, _customer = customer_user
    staff_time_zone_set(user=user, time_zone="Asia/Tokyo")  # not offered to customers; even if set, ignored
    client.force_login(user)
    assert client.get(reverse("preferences:history")).status_code == 200
