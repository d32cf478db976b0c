from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contact_requests.models import ContactRequest
from contact_requests.services import Actor, contact_request_assign
from notifications.models import OutboundMessage
from tests.conftest import make_customer_user
from tests.contact_requests.helpers import fitting_time, request_for

pytestmark = pytest.mark.django_db
QUEUE = "/support/requests/"


def test_queue_url():
    assert reverse("support:request_queue") == QUEUE


def test_queue_puts_overdue_first_and_hides_closed(agent_client, customer_user, agent):
    _, customer = customer_user
    fresh = request_for(customer, preferred_channel="email")
    overdue = request_for(customer, now=timezone.now() - timedelta(days=14))
    completed = request_for(customer)
    from contact_requests.services import contact_request_complete

    contact_request_complete(contact_request_id=completed.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="ok")
    body = agent_client.get(QUEUE).content.decode()
    assert body.index(f'id="queue-request-{overdue.pk}"') < body.index(f'id="queue-request-{fresh.pk}"')
    assert f'id="queue-request-{completed.pk}"' not in body
    assert 'class="overdue"' in body
    completed_only = agent_client.get(QUEUE, {"status": "completed"}).content.decode()
    assert f'id="queue-request-{completed.pk}"' in completed_only
    assert f'id="queue-request-{fresh.pk}"' not in completed_only


def test_queue_filters_mine(agent_client, customer_user, agent, supervisor):
    _, customer = customer_user
    mine = request_for(customer)
    theirs = request_for(customer)
    contact_request_assign(contact_request_id=mine.pk, actor=Actor.staff(agent), assignee=agent)
    contact_request_assign(contact_request_id=theirs.pk, actor=Actor.staff(supervisor), assignee=supervisor)
    body = agent_client.get(QUEUE, {"assigned": "mine"}).content.decode()
    assert f'id="queue-request-{mine.pk}"' in body
    assert f'id="queue-request-{theirs.pk}"' not in body


def test_queue_bad_filter_shows_everything_in_progress(agent_client, customer_user):
    contact_request = request_for(customer_user[1])
    response = agent_client.get(QUEUE, {"status": "nonsense"})
    assert response.status_code == 200
    assert f'id="queue-request-{contact_request.pk}"' in response.content.decode()


def test_queue_query_count_does_not_grow_with_requests(agent_client, django_assert_max_num_queries):
    for index in range(30):
        _, customer = make_customer_user(f"client{index}@example.com")
        request_for(customer)
    with django_assert_max_num_queries(10):
        response = agent_client.get(QUEUE)
    assert response.status_code == 200
    assert response.content.decode().count('id="queue-request-') == 30


def test_assign_to_me_from_the_queue(agent_client, customer_user, agent):
    user, customer = customer_user
    contact_request = request_for(customer)
    response = agent_client.post(
        reverse("support:request_assign", args=[contact_request.pk]), {"next": QUEUE + "?status=open"}
    )
    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?status=open"
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.assigned_to) == ("assigned", agent)


def test_assign_never_redirects_to_another_site(agent_client, customer_user):
    contact_request = request_for(customer_user[1])
    response = agent_client.post(
        reverse("support:request_assign", args=[contact_request.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("support:request_detail", args=[contact_request.pk])


def test_schedule_then_complete_from_the_request_page(agent_client, customer_user, agent):
    user, customer = customer_user
    contact_request = request_for(customer)
    detail = reverse("support:request_detail", args=[contact_request.pk])
    page = agent_client.get(detail).content.decode()
    assert 'id="request-schedule"' in page and 'id="request-complete"' in page
    when = timezone.localtime(fitting_time(contact_request))
    response = agent_client.post(
        reverse("support:request_schedule", args=[contact_request.pk]),
        {"scheduled_for": when.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.scheduled_for, contact_request.assigned_to) == (
        "scheduled",
        when,
        agent,
    )
    # Before the appointment nobody can have been reached: refused, nothing changes.
    response = agent_client.post(
        reverse("support:request_complete", args=[contact_request.pk]),
        {"outcome_code": "reached", "outcome": "Contract explained."},
    )
    assert response.status_code == 400
    assert 'id="id_outcome_code_error"' in response.content.decode()
    contact_request.refresh_from_db()
    assert contact_request.status == "scheduled"
    # "Not reached" closes it early only with a note saying why.
    response = agent_client.post(
        reverse("support:request_complete", args=[contact_request.pk]), {"outcome_code": "not_reached"}
    )
    assert response.status_code == 400
    response = agent_client.post(
        reverse("support:request_complete", args=[contact_request.pk]),
        {"outcome_code": "customer_cancelled", "outcome": "Contract explained."},
    )
    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.outcome_code) == ("completed", "customer_cancelled")
    assert contact_request.events.last().outcome_code == "customer_cancelled"
    assert OutboundMessage.objects.filter(to=user.email, body__contains="Contract explained.").exists()
    page = agent_client.get(detail).content.decode()
    assert 'id="request-complete"' not in page
    assert "Contract explained." in page


def test_request_page_refusals_show_400(agent_client, customer_user, agent):
    contact_request = request_for(customer_user[1])
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        agent_client.post(
            reverse("support:request_schedule", args=[contact_request.pk]), {"scheduled_for": past}
        ).status_code
        == 400
    )
    assert (
        agent_client.post(
            reverse("support:request_schedule", args=[contact_request.pk]), {"scheduled_for": "tomorrow"}
        ).status_code
        == 400
    )
    assert (
        agent_client.post(
            reverse("support:request_complete", args=[contact_request.pk]), {"outcome_code": "reached", "outcome": ""}
        ).status_code
        == 400
    )
    assert (
        agent_client.post(
            reverse("support:request_complete", args=[contact_request.pk]), {"outcome_code": "maybe", "outcome": "x"}
        ).status_code
        == 400
    )
    contact_request.refresh_from_db()
    assert contact_request.status == "open"


def test_mark_unreachable(agent_client, customer_user):
    contact_request = request_for(customer_user[1])
    response = agent_client.post(
        reverse("support:request_unreachable", args=[contact_request.pk]), {"note": "No answer twice."}
    )
    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.outcome) == ("unreachable", "No answer twice.")
    # Closed: completing it now is refused.
    response = agent_client.post(reverse("support:request_complete", args=[contact_request.pk]), {"outcome": "x"})
    assert response.status_code == 400
    assert ContactRequest.objects.get(pk=contact_request.pk).status == "unreachable"
