"""Human-contact requests through the API: create, list, read; a client sees only its own."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from api.models import Scope
from contact_requests.models import ContactRequest
from contact_requests.services import (
    MAX_ACTIVE_PER_CUSTOMER,
    Actor,
    ContactRequestLimitReached,
    contact_request_complete,
    contact_request_create,
)
from notifications.models import OutboundMessage
from outbox.models import OutboxEvent
from tests.api.conftest import assert_problem

URL = "/api/v1/contact-requests"


def _create(api, customer, **fields):
    body = {"customer_id": customer.pk, "reason": "Wants to discuss a refused refund.", "preferred_channel": "email",
            **fields}
    return api.post(URL, body)


def test_a_chatbot_asks_for_a_human(make_api, customer):
    api, client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    response = _create(api, customer, topic="billing", preferred_time_slots=["weekday_morning"],
                       contested_decision="Refund refused automatically")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["topic"] == "billing" and body["customer_id"] == customer.pk
    assert body["due_at"].endswith("Z")
    stored = ContactRequest.objects.get()
    assert (stored.created_by_type, stored.created_by_id) == ("api_client", str(client.pk))
    assert stored.contested_decision == "Refund refused automatically"
    assert stored.events.get().actor_type == "api_client"
    assert len(mail.outbox) <= 1  # the customer's acknowledgement goes through the outbox


def test_create_refusals(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    assert_problem(_create(api, customer, preferred_channel="pigeon"), 400)
    assert_problem(_create(api, customer, reason=""), 400)
    assert_problem(_create(api, customer, topic="gossip"), 400)
    assert_problem(_create(api, customer, preferred_time_slots=["midnight"]), 400)
    assert_problem(api.post(URL, {"customer_id": customer.pk + 99, "reason": "x", "preferred_channel": "phone"}), 404)
    reader, _client = make_api(Scope.CONTACT_REQUESTS_READ)
    assert_problem(_create(reader, customer), 403)
    assert not ContactRequest.objects.exists()


def test_a_slot_the_team_never_works_is_refused_by_name(make_api, customer):
    """The team works Monday–Friday 9:00–18:00: a chatbot cannot promise Saturday mornings or weekday
    evenings. 400 naming the field, in the language asked for, and nothing created, mailed or announced."""
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    outbox, messages = OutboxEvent.objects.count(), OutboundMessage.objects.count()
    for slots in (["saturday_morning"], ["weekday_morning", "weekday_evening"]):
        problem = assert_problem(_create(api, customer, preferred_time_slots=slots), 400)
        assert list(problem["errors"]) == ["preferred_time_slots"]
    assert problem["errors"]["preferred_time_slots"] == [
        "Our team does not work on weekdays from 18:00 to 20:00: choose another time, or none if any time suits you."
    ]
    body = {"customer_id": customer.pk, "reason": "x", "preferred_channel": "email",
            "preferred_time_slots": ["saturday_morning"]}
    french = assert_problem(api.post(URL, body, headers={"Accept-Language": "fr"}), 400)
    assert french["errors"]["preferred_time_slots"][0].startswith("Notre équipe ne travaille pas le samedi de 9\u00a0h")
    assert not ContactRequest.objects.exists()
    assert (OutboxEvent.objects.count(), OutboundMessage.objects.count()) == (outbox, messages)
    # A slot the team works still opens a request.
    assert _create(api, customer, preferred_time_slots=["weekday_afternoon"]).status_code == 201


def test_list_and_read_only_the_clients_own_requests(make_api, customer, agent):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE, Scope.CONTACT_REQUESTS_READ)
    other, _other = make_api(Scope.CONTACT_REQUESTS_WRITE, Scope.CONTACT_REQUESTS_READ)
    mine = [_create(api, customer).json()["id"] for _ in range(3)]
    theirs = _create(other, customer).json()["id"]
    page = api.get(URL, limit=2).json()
    assert [item["id"] for item in page["contact_requests"]] == mine[::-1][:2]
    rest = api.get(URL, limit=2, before=page["next_cursor"]).json()
    assert [item["id"] for item in rest["contact_requests"]] == mine[:1] and rest["next_cursor"] is None
    assert api.get(f"{URL}/{mine[0]}").json()["id"] == mine[0]
    assert_problem(api.get(f"{URL}/{theirs}"), 404)
    assert api.get(URL, customer_id=customer.pk + 1).json()["contact_requests"] == []
    # A person completes it; the client follows the status.
    contact_request_complete(contact_request_id=mine[0], actor=Actor.staff(agent), outcome_code="reached", outcome="Called back, refund granted.")
    assert api.get(f"{URL}/{mine[0]}").json()["status"] == "completed"


def test_list_refusals_and_queries(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_READ)
    assert_problem(api.get(URL, limit=0), 400)
    assert_problem(api.get(URL, before="x"), 400)
    writer, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    assert_problem(writer.get(URL), 403)
    api.get(URL)
    with CaptureQueriesContext(connection) as queries:
        api.get(URL, limit=200)
    assert len(queries) == 1  # the page; the key comes from the cache


def test_an_api_client_cannot_complete_a_request(api, customer):
    request_id = _create(api, customer).json()["id"]
    response = api.client.post(f"{URL}/{request_id}", "{}", content_type="application/json",
                               headers={"Authorization": f"Bearer {api.key}"})
    assert_problem(response, 405)
    assert ContactRequest.objects.get().status == "open"


def test_the_api_refuses_an_unreachable_channel_with_a_problem(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    for channel in ("phone", "messaging"):
        response = api.post("/api/v1/contact-requests", {"customer_id": customer.pk, "reason": "Call me",
                                                        "preferred_channel": channel})
        body = assert_problem(response, 422)
        assert body["type"] == "urn:portal:problem:channel_unreachable"
        assert body["reachable_channels"] == ["email", "video"]
        assert channel in body["detail"] and "contact point" in body["detail"]
    assert not ContactRequest.objects.exists()


def test_the_open_request_limit_speaks_to_the_integrator_in_its_language(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    for _ in range(MAX_ACTIVE_PER_CUSTOMER):
        assert _create(api, customer).status_code == 201
    detail = assert_problem(_create(api, customer), 409)["detail"]
    assert detail == (
        f"Customer {customer.pk} already has {MAX_ACTIVE_PER_CUSTOMER} requests in progress (open, assigned or "
        f"scheduled); the limit is {MAX_ACTIVE_PER_CUSTOMER} per customer. Create a new one once one of them is "
        "closed (completed, cancelled or marked unreachable), or tell the customer that a person will answer an "
        "earlier request."
    )
    body = {"customer_id": customer.pk, "reason": "Call me.", "preferred_channel": "email"}
    french = assert_problem(api.post(URL, body, headers={"Accept-Language": "fr"}), 409)["detail"]
    assert french.startswith(f"Le client {customer.pk} a déjà {MAX_ACTIVE_PER_CUSTOMER} demandes en cours")
    assert "\u00a0;" in french and "You already have" not in detail + french
    # The customer's own pages keep their words (the service's message is the customer's).
    with translation.override("en"), pytest.raises(ContactRequestLimitReached) as refused:
        contact_request_create(customer=customer, reason="Call me.", preferred_channel="email",
                               created_by_type="customer")
    assert refused.value.messages == [
        f"You already have {MAX_ACTIVE_PER_CUSTOMER} requests in progress. Cancel one or wait for our answer."
    ]


def test_a_created_request_answers_its_address_in_location(make_api, customer):
    """201 with `Location`, as the API's other creations answer: the address to follow the request at."""
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE, Scope.CONTACT_REQUESTS_READ)
    response = _create(api, customer)
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    assert response["Location"] == f"{URL}/{request_id}"
    followed = api.get(response["Location"])
    assert followed.status_code == 200 and followed.json()["id"] == request_id
    # A retry with the same Idempotency-Key answers the same address; a refused creation names none.
    body = {"customer_id": customer.pk, "reason": "Call me.", "preferred_channel": "email"}
    first = api.post(URL, body, headers={"Idempotency-Key": "cr-1"})
    again = api.post(URL, body, headers={"Idempotency-Key": "cr-1"})
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first["Location"] == f"{URL}/{first.json()['id']}"
    refused = _create(api, customer, preferred_channel="pigeon")
    assert_problem(refused, 400)
    assert not refused.has_header("Location")


def test_a_slot_given_twice_is_refused_by_name_not_merged(make_api, customer):
    """A repeated slot was merged without a word: now a 400 naming the field and the slot, in the language
    asked, and nothing created."""
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    slots = ["weekday_morning", "weekday_afternoon", "weekday_morning"]
    problem = assert_problem(_create(api, customer, preferred_time_slots=slots), 400)
    assert problem["errors"] == {
        "preferred_time_slots": ["“weekday_morning” is given more than once: give each value once."]
    }
    body = {"customer_id": customer.pk, "reason": "Call me.", "preferred_channel": "email", "preferred_time_slots": slots}
    french = assert_problem(api.post(URL, body, headers={"Accept-Language": "fr"}), 400)
    assert french["errors"]["preferred_time_slots"] == [
        "«\u00a0weekday_morning\u00a0» figure plusieurs fois\u00a0: donnez chaque valeur une seule fois."
    ]
    assert not ContactRequest.objects.exists()
    created = _create(api, customer, preferred_time_slots=["weekday_morning", "weekday_afternoon"])
    assert created.status_code == 201, created.content
    assert created.json()["preferred_time_slots"] == ["weekday_morning", "weekday_afternoon"]
