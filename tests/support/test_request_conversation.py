"""The agent reads what the customer told the chatbot, on the request page: escaped, folded when long."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contact_requests.handoff import Conversation, ConversationTurn, contact_request_handoff
from contact_requests.models import ContactRequest, ContactRequestConversation, CreatedByType
from contact_requests.services import ContactRequestError, ContactRequestUnreachable
from tests.contact_requests.helpers import request_for


def _handoff(customer, *, turns: int = 2, summary: str = "Refund of order 1234 refused.", text: str = "Hello",
             channel: str = "email"):
    start = timezone.now() - timedelta(minutes=30)
    transcript = [
        ConversationTurn(speaker="customer" if index % 2 == 0 else "bot", text=f"{text} {index}",
                         time=start + timedelta(seconds=index))
        for index in range(turns)
    ]
    return contact_request_handoff(
        conversation=Conversation(bot_name="Sam", summary=summary, transcript=transcript),
        customer=customer,
        reason="Wants a person.",
        preferred_channel=channel,
        created_by_type=CreatedByType.API_CLIENT,
        actor_id="7",
    )


def test_the_agent_reads_the_summary_and_the_transcript_escaped(agent_client, customer_user):
    _user, customer = customer_user
    contact_request = _handoff(customer, text="<script>alert(1)</script>", summary="Angry <b>customer</b>")
    page = agent_client.get(reverse("support:request_detail", args=[contact_request.pk])).content.decode()
    assert 'id="request-conversation"' in page
    assert "Angry &lt;b&gt;customer&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 0" in page and "<script>alert(1)" not in page
    assert '<details class="conversation" open>' in page  # short: open
    assert "Sam" in page and "Ce que le client a dit à Sam" in page


def test_a_long_transcript_starts_folded_and_costs_no_extra_query(agent_client, customer_user,
                                                                 django_assert_max_num_queries):
    _user, customer = customer_user
    contact_request = _handoff(customer, turns=40)
    url = reverse("support:request_detail", args=[contact_request.pk])
    agent_client.cookies["django_language"] = "en"
    plain_url = reverse("support:request_detail", args=[request_for(customer).pk])
    agent_client.get(plain_url)  # the session and caches warmed as for the page measured
    with CaptureQueriesContext(connection) as plain:
        agent_client.get(plain_url)
    # The conversation comes with the request's own query; the one more names the API client that filed it.
    with django_assert_max_num_queries(len(plain) + 1):
        page = agent_client.get(url).content.decode()
    assert '<details class="conversation">' in page and "Transcript: 40 messages" in page
    assert page.count('class="turn turn-') == 40


def test_a_request_without_a_conversation_shows_no_section(agent_client, customer_user):
    _user, customer = customer_user
    page = agent_client.get(reverse("support:request_detail", args=[request_for(customer).pk])).content.decode()
    assert 'id="request-conversation"' not in page


def test_the_service_stores_both_or_neither(customer_user):
    _user, customer = customer_user
    with pytest.raises(ContactRequestUnreachable):
        _handoff(customer, channel="phone")  # no verified phone number
    with pytest.raises(ContactRequestError):
        _handoff(customer, turns=0, summary="")
    assert not ContactRequest.objects.exists() and not ContactRequestConversation.objects.exists()
