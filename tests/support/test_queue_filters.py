"""The queue's filters (overdue, mine, unassigned, channel) with their counts in the text; the request
page's service level in the reader's language; the acknowledgement repeats the chosen slots."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contact_requests.services import Actor, contact_request_assign
from notifications.models import OutboundMessage
from tests.contact_requests.helpers import request_for
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db
QUEUE = "/support/requests/"


@pytest.fixture
def queue(customer_user, agent, supervisor):
    _, customer = customer_user
    add_verified_phone(customer, "+33612345678")
    requests = {
        "overdue_phone": request_for(customer, preferred_channel="phone", now=timezone.now() - timedelta(days=14)),
        "mine_email": request_for(customer),
        "theirs_video": request_for(customer, preferred_channel="video"),
        "unassigned_email": request_for(customer),
    }
    contact_request_assign(contact_request_id=requests["mine_email"].pk, actor=Actor.staff(agent), assignee=agent)
    contact_request_assign(
        contact_request_id=requests["theirs_video"].pk, actor=Actor.staff(supervisor), assignee=supervisor
    )
    return requests


def _shown(client, **params) -> set[str]:
    body = client.get(QUEUE, params).content.decode()
    return {name for name, request in _shown.requests.items() if f'id="queue-request-{request.pk}"' in body}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"overdue_phone", "mine_email", "theirs_video", "unassigned_email"}),
        ({"due": "overdue"}, {"overdue_phone"}),
        ({"assigned": "mine"}, {"mine_email"}),
        ({"assigned": "unassigned"}, {"overdue_phone", "unassigned_email"}),
        ({"channel": "email"}, {"mine_email", "unassigned_email"}),
        ({"channel": "video", "assigned": "unassigned"}, set()),
        # An unknown value is dropped, the other filters still apply.
        ({"channel": "pigeon", "assigned": "mine"}, {"mine_email"}),
    ],
)
def test_each_filter_shows_its_requests(agent_client, queue, params, expected):
    _shown.requests = queue
    assert _shown(agent_client, **params) == expected


def test_the_form_is_labelled_selects_with_counts_in_the_text(agent_client, queue):
    body = agent_client.get(QUEUE).content.decode()
    for name in ("status", "assigned", "due", "channel"):
        assert f'<label for="id_{name}">' in body and f'<select name="{name}" id="id_{name}"' in body
    # French by default: counts in each option and the number of requests shown.
    assert ">Moi (1)</option>" in body
    assert ">Personne pour l’instant (2)</option>" in body
    assert ">En retard uniquement (1)</option>" in body
    assert ">E-mail (2)</option>" in body
    assert "4 demandes correspondent." in body


def test_counts_and_filters_take_a_bounded_number_of_queries(agent_client, queue, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = agent_client.get(QUEUE, {"assigned": "unassigned", "due": "overdue", "channel": "phone"})
    assert response.status_code == 200


def test_the_service_level_is_in_the_page_s_language(agent_client, queue):
    request = queue["overdue_phone"]
    french = agent_client.get(f"/support/requests/{request.pk}/").content.decode()
    assert "Appel téléphonique\u00a0: réponse sous 24\u00a0h" in french
    assert "Phone call (24 h)" not in french
    agent_client.cookies["django_language"] = "en"
    english = agent_client.get(f"/support/requests/{request.pk}/").content.decode()
    assert "Phone call: answer within 24 h" in english


def test_the_acknowledgement_repeats_the_chosen_slots(customer_user):
    user, customer = customer_user
    request_for(customer, preferred_time_slots=["weekday_lunch", "weekday_afternoon"])
    body = OutboundMessage.objects.filter(to=user.email).latest("pk").body
    assert "- Du lundi au vendredi, de 12\u00a0h à 14\u00a0h" in body
    assert "- Du lundi au vendredi, de 14\u00a0h à 18\u00a0h" in body
    request_for(customer)
    assert "à tout moment" in OutboundMessage.objects.filter(to=user.email).latest("pk").body
