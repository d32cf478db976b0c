"""Cancelling a request takes two steps: "Cancel this request" leads to a page that says what will
happen, with "Yes, cancel it" and "No, keep it"; only "Yes" cancels (through the service, which
records the request's event and tells the customer). A stray tap, a GET, a reload or an old form
without the confirmation changes nothing. The customer's own requests only; a request a person has
taken, or a closed one, is not offered and is refused with a message. French and English."""

import pytest
from django.urls import reverse

from contact_requests.models import ContactRequest, ContactRequestEvent
from contact_requests.services import Actor, contact_request_assign, contact_request_complete
from notifications.models import OutboundMessage
from outbox.models import OutboxEvent
from preferences.models import ConsentEvent
from tests.contact_requests.helpers import request_for

pytestmark = pytest.mark.django_db
LIST_URL = "/my/requests/"


def _cancel_url(contact_request) -> str:
    return reverse("contact_requests:cancel", args=[contact_request.pk])


def _written(contact_request) -> tuple:
    """Everything a cancellation writes: the request, its events, the outbox (webhooks), the email."""
    row = ContactRequest.objects.get(pk=contact_request.pk)
    return (
        row.status,
        row.closed_at,
        row.updated_at,
        ContactRequestEvent.objects.filter(contact_request=contact_request).count(),
        OutboxEvent.objects.count(),
        OutboundMessage.objects.count(),
        ConsentEvent.objects.count(),
    )


def test_the_change_page_leads_to_the_confirmation_and_posts_nothing(customer_client, customer_user):
    contact_request = request_for(customer_user[1])
    customer_client.cookies["django_language"] = "en"
    page = customer_client.get(reverse("contact_requests:change", args=[contact_request.pk])).content.decode()
    # A link to the confirmation page, not a form that cancels at once.
    assert f'href="{_cancel_url(contact_request)}" id="cancel-request-{contact_request.pk}"' in page
    assert f'action="{_cancel_url(contact_request)}"' not in page


def test_the_first_step_says_what_will_happen_and_changes_nothing(customer_client, customer_user):
    contact_request = request_for(customer_user[1], reason="Une question sur ma facture.")
    customer_client.cookies["django_language"] = "en"
    before = _written(contact_request)
    for method in (customer_client.get, customer_client.head):
        response = method(_cancel_url(contact_request))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]  # the back button asks again, never shows a stale page
    assert _written(contact_request) == before
    body = customer_client.get(_cancel_url(contact_request)).content.decode()
    assert "<h1>Cancel this request?</h1>" in body
    assert "Une question sur ma facture." in body  # which request
    assert "nobody will contact you about it. This cannot be undone." in body
    assert "a new place in the queue" in body
    # "Yes" posts the confirmation; the screen reader hears what it does; "No" goes back, changing nothing.
    assert f'action="{_cancel_url(contact_request)}"' in body
    assert 'name="confirm" value="yes"' in body and "csrfmiddlewaretoken" in body
    assert 'id="cancel-request-confirm" aria-describedby="cancel-consequences">Yes, cancel it</button>' in body
    assert 'id="cancel-consequences"' in body
    keep = reverse("contact_requests:change", args=[contact_request.pk])
    assert f'href="{keep}" id="cancel-request-keep">No, keep it</a>' in body
    assert customer_client.get(keep).status_code == 200
    assert _written(contact_request) == before


def test_a_post_without_the_confirmation_shows_the_question_again_and_changes_nothing(customer_client, customer_user):
    """A form from an old page (the button posted straight to cancel), or a replayed empty POST."""
    contact_request = request_for(customer_user[1])
    before = _written(contact_request)
    for data in ({}, {"confirm": ""}, {"confirm": "false"}):
        response = customer_client.post(_cancel_url(contact_request), data)
        assert response.status_code == 400, data
        assert 'id="cancel-request-confirm"' in response.content.decode()
    assert _written(contact_request) == before


def test_yes_cancels_through_the_service_and_says_how_to_ask_again(customer_client, customer_user):
    user, customer = customer_user
    contact_request = request_for(customer)
    customer_client.cookies["django_language"] = "en"
    events = ContactRequestEvent.objects.filter(contact_request=contact_request)
    created_events = events.count()
    emails = OutboundMessage.objects.filter(to=user.email)
    emails_before = emails.count()
    response = customer_client.post(_cancel_url(contact_request), {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(LIST_URL, 302)]
    body = response.content.decode()
    assert "Your request is cancelled: nobody will contact you about it." in body
    assert "send a new request with the form below" in body and 'id="contact-request-submit"' in body
    contact_request.refresh_from_db()
    assert contact_request.status == "cancelled" and contact_request.closed_at is not None
    # The service's record: the request's event by the customer, the webhook's outbox row, the email.
    assert events.count() == created_events + 1
    event = events.latest("pk")
    assert (event.kind, event.old_status, event.new_status) == ("cancelled", "open", "cancelled")
    assert (event.actor_type, event.actor_id) == ("customer", str(user.pk))
    assert OutboxEvent.objects.filter(type="contact_request.changed").count() == 1
    assert emails.count() == emails_before + 1
    # Once cancelled, the address says so and offers nothing; a second "Yes" changes nothing.
    after = _written(contact_request)
    page = customer_client.get(_cancel_url(contact_request)).content.decode()
    assert 'id="request-closed"' in page and 'id="cancel-request-confirm"' not in page
    response = customer_client.post(_cancel_url(contact_request), {"confirm": "yes"}, follow=True)
    assert "message-error" in response.content.decode()
    assert _written(contact_request) == after


def test_the_pages_and_message_in_french(customer_client, customer_user):
    contact_request = request_for(customer_user[1])
    customer_client.cookies["django_language"] = "fr"
    body = customer_client.get(_cancel_url(contact_request)).content.decode()
    assert "<h1>Annuler cette demande\u00a0?</h1>" in body
    assert "Oui, l’annuler" in body and "Non, la garder" in body
    assert "Vous ne pourrez pas revenir en arrière." in body
    response = customer_client.post(_cancel_url(contact_request), {"confirm": "yes"}, follow=True)
    assert "Votre demande est annulée\u00a0: personne ne vous contactera à son sujet." in response.content.decode()


def test_another_customers_request_is_404_at_both_steps(customer_client, other_customer_user):
    contact_request = request_for(other_customer_user[1])
    before = _written(contact_request)
    assert customer_client.get(_cancel_url(contact_request)).status_code == 404
    assert customer_client.post(_cancel_url(contact_request)).status_code == 404
    assert customer_client.post(_cancel_url(contact_request), {"confirm": "yes"}).status_code == 404
    assert _written(contact_request) == before


def test_staff_and_anonymous_visitors_cannot_use_the_customer_s_step(client, customer_user, agent):
    contact_request = request_for(customer_user[1])
    before = _written(contact_request)
    response = client.get(_cancel_url(contact_request))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    response = client.post(_cancel_url(contact_request), {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(agent)  # staff have no customer record: they cancel nothing here
    assert client.post(_cancel_url(contact_request), {"confirm": "yes"}).status_code == 404
    assert _written(contact_request) == before


def test_a_closed_request_is_not_offered_and_is_refused_with_a_message(customer_client, customer_user, agent):
    contact_request = request_for(customer_user[1])
    contact_request_complete(
        contact_request_id=contact_request.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="Called back."
    )
    customer_client.cookies["django_language"] = "en"
    before = _written(contact_request)
    response = customer_client.get(_cancel_url(contact_request))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>This request cannot be cancelled</h1>" in body
    assert "This request is already closed: there is nothing to cancel." in body
    assert 'id="cancel-request-confirm"' not in body
    assert customer_client.post(_cancel_url(contact_request)).status_code == 409
    response = customer_client.post(_cancel_url(contact_request), {"confirm": "yes"}, follow=True)
    assert "message-error" in response.content.decode()
    assert "This request is closed" in response.content.decode()
    assert _written(contact_request) == before


def test_a_request_being_handled_is_not_offered_and_is_refused_with_a_message(customer_client, customer_user, agent):
    contact_request = request_for(customer_user[1])
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    customer_client.cookies["django_language"] = "en"
    before = _written(contact_request)
    body = customer_client.get(_cancel_url(contact_request)).content.decode()
    assert 'id="request-taken"' in body and "it can no longer be cancelled here" in body
    assert 'id="team-contact"' in body  # how to reach the team instead
    assert 'id="cancel-request-confirm"' not in body
    response = customer_client.post(_cancel_url(contact_request), {"confirm": "yes"}, follow=True)
    assert "message-error" in response.content.decode()
    assert "A member of our team has already taken this request" in response.content.decode()
    assert _written(contact_request) == before


def test_taken_between_the_question_and_the_yes_it_is_not_cancelled(customer_client, customer_user, agent):
    """The page was shown while the request was open; a person took it before the customer said yes."""
    contact_request = request_for(customer_user[1])
    customer_client.cookies["django_language"] = "en"
    assert 'id="cancel-request-confirm"' in customer_client.get(_cancel_url(contact_request)).content.decode()
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    before = _written(contact_request)
    response = customer_client.post(_cancel_url(contact_request), {"confirm": "yes"}, follow=True)
    assert "A member of our team has already taken this request" in response.content.decode()
    assert _written(contact_request) == before
    assert ContactRequest.objects.get(pk=contact_request.pk).status == "assigned"
