"""A chatbot hands a conversation over with its "talk to a human" request: stored with the request,
read back by the bot that created it (and by no other client), refused when malformed or oversized."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import Scope
from contact_requests.handoff import MAX_TURNS, TRANSCRIPT_MAX_CHARACTERS, TURN_TEXT_MAX_LENGTH
from contact_requests.models import ContactRequest, ContactRequestConversation
from contact_requests.services import Actor, contact_request_assign
from outbox.models import OutboxEvent
from privacy.selectors import customer_data_collect
from privacy.services import customer_erase
from tests.api.conftest import assert_problem

URL = "/api/v1/contact-requests"


def _turns(count: int = 2, *, text: str = "Why was my refund refused?", start: datetime | None = None) -> list[dict]:
    start = start or timezone.now() - timedelta(minutes=10)
    return [
        {"speaker": "customer" if index % 2 == 0 else "bot", "text": text, "time": (start + timedelta(seconds=index)).isoformat()}
        for index in range(count)
    ]


def _body(customer, **conversation) -> dict:
    return {
        "customer_id": customer.pk,
        "reason": "Refund refused; wants a person.",
        "preferred_channel": "email",
        "conversation": {"bot_name": "Sam", **conversation},
    }


def test_the_bot_hands_over_the_transcript_and_summary_and_follows_the_request(make_api, customer, agent):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE, Scope.CONTACT_REQUESTS_READ)
    turns = _turns(3)
    turns[0]["time"] = "2026-01-05T10:00:00+01:00"  # an offset: stored and answered in UTC
    turns[1]["time"] = "2026-01-05T09:00:01Z"
    turns[2]["time"] = "2026-01-05T09:00:02Z"
    response = api.post(URL, _body(customer, summary="Refund of order 1234 refused.", transcript=turns))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["conversation"]["bot_name"] == "Sam"
    assert body["conversation"]["summary"] == "Refund of order 1234 refused."
    assert body["conversation"]["transcript"][0] == {
        "speaker": "customer", "text": "Why was my refund refused?", "time": "2026-01-05T09:00:00Z"
    }
    stored = ContactRequestConversation.objects.get()
    assert stored.contact_request_id == body["id"] and len(stored.transcript) == 3
    # The bot follows the request: by reading it (two queries at most: the key is cached) …
    contact_request_assign(contact_request_id=body["id"], actor=Actor.staff(agent), assignee=agent)
    api.get(f"{URL}/{body['id']}")
    with CaptureQueriesContext(connection) as queries:
        followed = api.get(f"{URL}/{body['id']}").json()
    assert len(queries) == 1
    assert followed["status"] == "assigned" and followed["conversation"]["summary"] == "Refund of order 1234 refused."
    # … or through the contact_request.changed webhook of each change.
    changed = OutboxEvent.objects.filter(type="contact_request.changed").get()
    assert changed.payload["contact_request_id"] == body["id"] and changed.payload["status"] == "assigned"


def test_a_summary_alone_or_a_transcript_alone_is_enough(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    assert api.post(URL, _body(customer, summary="Wants to close the account.")).status_code == 201
    assert api.post(URL, _body(customer, transcript=_turns(1))).status_code == 201
    without = api.post(URL, {"customer_id": customer.pk, "reason": "No bot involved.", "preferred_channel": "email"})
    assert without.status_code == 201 and without.json()["conversation"] is None


@pytest.mark.parametrize(
    ("conversation", "where"),
    [
        ({}, "transcript"),  # neither summary nor transcript
        ({"summary": "   "}, "transcript"),
        ({"bot_name": "", "summary": "x"}, "bot_name"),
        ({"bot_name": "B" * 101, "summary": "x"}, "bot_name"),
        ({"summary": "S" * 4001}, "summary"),
        ({"transcript": [{"speaker": "agent", "text": "hi", "time": "2026-01-05T09:00:00Z"}]}, "speaker"),
        ({"transcript": [{"speaker": "bot", "text": "", "time": "2026-01-05T09:00:00Z"}]}, "text"),
        ({"transcript": [{"speaker": "bot", "text": "hi", "time": "yesterday"}]}, "time"),
        ({"transcript": [{"speaker": "bot", "text": "hi"}]}, "time"),
        ({"transcript": [{"speaker": "bot", "text": "T" * (TURN_TEXT_MAX_LENGTH + 1), "time": "2026-01-05T09:00:00Z"}]},
         "text"),
        ({"transcript": "Customer: hello"}, "transcript"),
        ({"transcript": [{"speaker": "bot", "text": 42, "time": "2026-01-05T09:00:00Z"}]}, "text"),
    ],
)
def test_a_bad_conversation_is_a_400_and_nothing_is_stored(make_api, customer, conversation, where):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    body = _body(customer)
    body["conversation"] = {"bot_name": "Sam", **conversation}
    problem = assert_problem(api.post(URL, body), 400)
    assert where in json.dumps(problem)
    assert not ContactRequest.objects.exists()


def test_turns_in_the_future_out_of_order_or_too_many_are_refused(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    future = _turns(1, start=timezone.now() + timedelta(hours=1))
    assert "future" in json.dumps(assert_problem(api.post(URL, _body(customer, transcript=future)), 400))
    backwards = _turns(2)[::-1]
    assert "oldest first" in json.dumps(assert_problem(api.post(URL, _body(customer, transcript=backwards)), 400))
    assert_problem(api.post(URL, _body(customer, transcript=_turns(MAX_TURNS + 1))), 400)
    long_turns = _turns(TRANSCRIPT_MAX_CHARACTERS // TURN_TEXT_MAX_LENGTH + 1, text="x" * TURN_TEXT_MAX_LENGTH)
    assert "too long" in json.dumps(assert_problem(api.post(URL, _body(customer, transcript=long_turns)), 400))
    assert not ContactRequest.objects.exists()


def test_unknown_fields_are_refused_by_name_at_every_level(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    body = _body(customer, summary="x", mood="angry")
    assert assert_problem(api.post(URL, body), 400)["unknown_fields"] == ["conversation.mood"]
    turn = {**_turns(1)[0], "sentiment": "negative"}
    problem = assert_problem(api.post(URL, _body(customer, transcript=[turn])), 400)
    assert problem["unknown_fields"] == ["conversation.transcript.0.sentiment"]
    assert not ContactRequest.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=20_000)
def test_a_transcript_over_the_body_limit_is_a_413(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    assert_problem(api.post(URL, _body(customer, transcript=_turns(20, text="y" * 1500))), 413)
    assert not ContactRequest.objects.exists()


def test_wrong_scope_and_another_clients_request_are_refused(make_api, customer):
    reader, _client = make_api(Scope.CONTACT_REQUESTS_READ)
    assert_problem(reader.post(URL, _body(customer, summary="x")), 403)
    bot, _bot = make_api(Scope.CONTACT_REQUESTS_WRITE, Scope.CONTACT_REQUESTS_READ)
    other, _other = make_api(Scope.CONTACT_REQUESTS_READ)
    request_id = bot.post(URL, _body(customer, summary="Private conversation")).json()["id"]
    assert_problem(other.get(f"{URL}/{request_id}"), 404)
    writer_only, _writer = make_api(Scope.CONTACT_REQUESTS_WRITE)
    assert_problem(writer_only.get(f"{URL}/{request_id}"), 403)


def test_the_conversation_is_erased_with_the_customer(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    api.post(URL, _body(customer, summary="Told us their bank details", transcript=_turns(2)))
    customer_erase(customer_id=customer.pk, requested_by_type="staff", requested_by_id="1", reason="Asked by letter")
    assert not ContactRequestConversation.objects.exists()


def test_the_conversation_is_in_the_customers_data_export(make_api, customer):
    api, _client = make_api(Scope.CONTACT_REQUESTS_WRITE)
    api.post(URL, _body(customer, summary="Refund", transcript=_turns(1)))
    exported = customer_data_collect(customer_id=customer.pk)["contact_requests"][0]["chatbot_conversation"]
    assert exported["bot_name"] == "Sam" and exported["summary"] == "Refund" and len(exported["transcript"]) == 1
    assert datetime.fromisoformat(exported["transcript"][0]["time"]).tzinfo == UTC
