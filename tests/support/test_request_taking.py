"""Two members of staff on the same request: "Assign to me" never silently takes a request somebody
took since the page was loaded; taking it over is a separate, explicit button, recorded with whom it
was taken from; pressing again records nothing; a step refused because a colleague closed the request
shows the request as it is now."""

import pytest
from django.urls import reverse
from django.utils import translation

from contact_requests.models import ContactRequestEvent
from contact_requests.services import (
    Actor,
    ContactRequestError,
    contact_request_assign,
    contact_request_complete,
    contact_request_mark_unreachable,
)
from tests.conftest import make_staff_user
from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english(agent_client, supervisor_client):
    for client in (agent_client, supervisor_client):
        client.cookies["django_language"] = "en"


def assign_url(contact_request) -> str:
    return reverse("support:request_assign", args=[contact_request.pk])


def detail_url(contact_request) -> str:
    return reverse("support:request_detail", args=[contact_request.pk])


def assigned_events(contact_request) -> list:
    return list(contact_request.events.filter(kind=ContactRequestEvent.Kind.ASSIGNED).order_by("id"))


def test_the_second_of_two_assign_to_me_is_refused_and_the_first_keeps_it(
    agent_client, supervisor_client, customer_user, agent
):
    contact_request = request_for(customer_user[1])
    # Both loaded the page while nobody had it.
    for client in (agent_client, supervisor_client):
        assert 'name="assigned_to" value=""' in client.get(detail_url(contact_request)).content.decode()
    agent_client.post(assign_url(contact_request), {"assigned_to": ""})
    response = supervisor_client.post(assign_url(contact_request), {"assigned_to": ""}, follow=True)

    contact_request.refresh_from_db()
    assert contact_request.assigned_to == agent
    assert [event.note for event in assigned_events(contact_request)] == [agent.email]
    page = response.content.decode()
    assert "agent@example.com took this request in the meantime" in page
    assert "is assigned to you" not in page


def test_taking_over_is_a_separate_button_and_is_recorded(supervisor_client, customer_user, agent, supervisor):
    contact_request = request_for(customer_user[1])
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    page = supervisor_client.get(detail_url(contact_request)).content.decode()
    assert f'name="assigned_to" value="{agent.pk}"' in page
    assert "Take over" in page and "Assign to me" not in page

    response = supervisor_client.post(assign_url(contact_request), {"assigned_to": str(agent.pk)}, follow=True)
    assert "You have taken over request" in response.content.decode()
    contact_request.refresh_from_db()
    assert contact_request.assigned_to == supervisor
    taken = assigned_events(contact_request)[-1]
    assert (taken.note, taken.details) == (supervisor.email, {"taken_over_from": agent.email})
    # The request's history says from whom (it showed only the new holder).
    page = supervisor_client.get(detail_url(contact_request)).content.decode()
    assert f"{supervisor.email}, taken over from {agent.email}" in page


def test_the_queue_offers_take_over_for_a_colleague_s_request(supervisor_client, customer_user, agent):
    held = request_for(customer_user[1])
    free = request_for(customer_user[1])
    contact_request_assign(contact_request_id=held.pk, actor=Actor.staff(agent), assignee=agent)
    page = supervisor_client.get("/support/requests/").content.decode()
    row = page[page.index(f'id="queue-request-{held.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'name="assigned_to" value="{agent.pk}"' in row and "Take over" in row
    free_row = page[page.index(f'id="queue-request-{free.pk}"') :]
    assert "Assign to me" in free_row[: free_row.index("</tr>")]


def test_a_take_over_of_somebody_else_than_the_person_seen_is_refused(customer_user, agent, supervisor):
    contact_request = request_for(customer_user[1])
    third = make_staff_user("third@example.com", "agent")
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    contact_request_assign(
        contact_request_id=contact_request.pk, actor=Actor.staff(third), assignee=third, seen_assignee_id=agent.pk
    )
    # The supervisor's page still showed the agent: taking it over now would take it from the third person.
    with translation.override("en"), pytest.raises(ContactRequestError, match="third@example.com took this request"):
        contact_request_assign(
            contact_request_id=contact_request.pk,
            actor=Actor.staff(supervisor),
            assignee=supervisor,
            seen_assignee_id=agent.pk,
        )
    contact_request.refresh_from_db()
    assert contact_request.assigned_to == third
    assert len(assigned_events(contact_request)) == 2


def test_pressing_assign_to_me_again_records_nothing(agent_client, customer_user, agent):
    contact_request = request_for(customer_user[1])
    for _ in range(3):
        response = agent_client.post(assign_url(contact_request), {"assigned_to": ""}, follow=True)
        assert "is assigned to you" in response.content.decode()
    assert [event.note for event in assigned_events(contact_request)] == [agent.email]


def test_without_the_person_seen_a_supervisor_may_still_reassign(customer_user, agent, supervisor):
    """The service's callers that give a request to someone (not from a page) keep doing so."""
    contact_request = request_for(customer_user[1])
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(supervisor), assignee=supervisor)
    contact_request.refresh_from_db()
    assert contact_request.assigned_to == supervisor


def test_a_step_refused_because_a_colleague_closed_the_request_shows_it_closed(
    supervisor_client, customer_user, agent
):
    contact_request = request_for(customer_user[1])
    page = supervisor_client.get(detail_url(contact_request)).content.decode()
    assert 'id="request-complete"' in page
    contact_request_complete(
        contact_request_id=contact_request.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="Done."
    )
    response = supervisor_client.post(
        reverse("support:request_complete", args=[contact_request.pk]),
        {"outcome_code": "reached", "outcome": "Done too."},
        follow=True,
    )
    page = response.content.decode()
    assert "This request is closed" in page
    assert 'id="request-status"' in page and "Completed" in page
    assert 'id="request-complete"' not in page  # no form to work a closed request
    contact_request.refresh_from_db()
    assert contact_request.outcome == "Done."


def test_a_step_on_a_colleague_s_request_is_refused_until_taken_over(supervisor_client, customer_user, agent, supervisor):
    """Completing, scheduling or closing as unreachable a request somebody else holds left "assigned to"
    on them: they could still be calling the customer. A step that does not say it takes the request
    over from them (a page loaded before they took it) is refused, with their name; what was typed
    stays in the form."""
    contact_request = request_for(customer_user[1])
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    events = contact_request.events.count()
    response = supervisor_client.post(
        reverse("support:request_complete", args=[contact_request.pk]), {"outcome_code": "reached", "outcome": "Agreed."}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "agent@example.com holds this request: take it over" in page and "Agreed." in page and "Take over" in page
    for step in (contact_request_complete, contact_request_mark_unreachable):
        with translation.override("en"), pytest.raises(ContactRequestError, match="agent@example.com holds"):
            step(contact_request_id=contact_request.pk, actor=Actor.staff(supervisor),
                 **({"outcome_code": "not_reached", "outcome": "No answer."} if step is contact_request_complete else {}))
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.assigned_to) == ("assigned", agent)
    assert contact_request.events.count() == events
    # Taken over, it is theirs to close.
    supervisor_client.post(assign_url(contact_request), {"assigned_to": str(agent.pk)})
    supervisor_client.post(
        reverse("support:request_complete", args=[contact_request.pk]), {"outcome_code": "reached", "outcome": "Agreed."}
    )
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.assigned_to) == ("completed", supervisor)


@pytest.mark.parametrize(("step", "data", "status"), [
    ("request_complete", {"outcome_code": "not_reached", "outcome": "No answer twice."}, "completed"),
    ("request_unreachable", {"note": "No answer."}, "unreachable"),
])
def test_a_step_s_button_on_a_colleague_s_request_takes_it_over_in_the_same_step(
    supervisor_client, customer_user, agent, supervisor, step, data, status
):
    """Taking over first (its own page load) lost what was typed in the step's form: the step's own
    button, "Take over and …", carries who held the request on the page and does both, one event
    saying from whom. A holder changed since the page was loaded is still refused."""
    contact_request = request_for(customer_user[1])
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    page = supervisor_client.get(detail_url(contact_request)).content.decode()
    assert f'name="take_over_from" value="{agent.pk}"' in page and "Take over and" in page
    response = supervisor_client.post(reverse(f"support:{step}", args=[contact_request.pk]),
                                      {**data, "take_over_from": str(agent.pk)})
    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.assigned_to) == (status, supervisor)
    last = contact_request.events.order_by("id").last()
    assert last.details["taken_over_from"] == agent.email
    assert f"(taken over from {agent.email})" in supervisor_client.get(detail_url(contact_request)).content.decode()


def test_taking_over_in_a_step_from_somebody_else_than_the_person_seen_is_refused(customer_user, agent, supervisor):
    contact_request = request_for(customer_user[1])
    third = make_staff_user("third@example.com", "agent")
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(third), assignee=third)
    with translation.override("en"), pytest.raises(ContactRequestError, match="third@example.com holds"):
        contact_request_mark_unreachable(contact_request_id=contact_request.pk, actor=Actor.staff(supervisor),
                                         take_over_from=agent.pk)  # the page showed the agent
    contact_request.refresh_from_db()
    assert contact_request.assigned_to == third


def test_the_completion_note_is_not_labelled_optional(agent_client, customer_user):
    # "Reached" needs it (what was agreed): the label said "(optional)", the answer said otherwise.
    contact_request = request_for(customer_user[1])
    page = agent_client.get(detail_url(contact_request)).content.decode()
    label = page[page.index('for="id_outcome"'):]
    label = label[: label.index("</label>")]
    assert "Note for the customer" in label and "optional" not in label


def test_the_console_says_customer_unreachable_not_could_not_reach_you(agent_client, customer_user, agent):
    # The console showed the customer's own wording ("Could not reach you") in its badge, queue and history.
    contact_request = request_for(customer_user[1])
    contact_request_mark_unreachable(contact_request_id=contact_request.pk, actor=Actor.staff(agent), note="No answer.")
    for page in (detail_url(contact_request), "/support/requests/?status=unreachable"):
        text = agent_client.get(page).content.decode()
        assert "Customer unreachable" in text and "Could not reach you" not in text, page
