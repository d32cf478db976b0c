"""The customer changes (slot, channel among reachable ones) or cancels a request until a person takes
it; then the page says it is taken and how to reach the team. Every step is in the customer's history,
in their words, French and English; the confirmation and the email repeat the chosen slot; the
team's urgent number and opening hours are on the request page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from contact_requests.models import SupportTeam, TimeSlot
from contact_requests.services import (
    Actor,
    ContactRequestError,
    ContactRequestForbidden,
    ContactRequestTaken,
    ContactRequestUnreachable,
    contact_request_assign,
    contact_request_cancel,
    contact_request_change,
    contact_request_complete,
    contact_request_schedule,
)
from notifications.models import OutboundMessage
from outbox.models import OutboxEvent
from tests.contact_requests.helpers import fitting_time, request_for
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db


def _change(contact_request, customer, **fields):
    values = {"preferred_channel": "email", "preferred_time_slots": []} | fields
    return contact_request_change(contact_request_id=contact_request.pk, actor=Actor.customer(customer), **values)


def test_the_customer_changes_channel_and_slots_while_open(customer_user):
    user, customer = customer_user
    add_verified_phone(customer, "+33612345678")
    contact_request = request_for(customer, preferred_time_slots=["weekday_morning"])
    old_due = contact_request.due_at
    changed = _change(contact_request, customer, preferred_channel="phone", preferred_time_slots=["weekday_afternoon"])
    assert (changed.status, changed.preferred_channel, changed.preferred_time_slots) == (
        "open",
        "phone",
        ["weekday_afternoon"],
    )
    assert changed.due_at != old_due
    event = changed.events.last()
    assert (event.kind, event.actor_type) == ("changed", "customer")
    assert event.details == {
        "preferred_channel": ["email", "phone"],
        "preferred_time_slots": [["weekday_morning"], ["weekday_afternoon"]],
    }
    assert OutboxEvent.objects.filter(type="contact_request.changed", payload__change="changed").exists()
    email = OutboundMessage.objects.filter(to=user.email).latest("pk")
    with translation.override("fr"):
        assert str(TimeSlot.WEEKDAY_AFTERNOON.label) in email.body  # the slot repeated, in the request's language


def test_a_change_to_an_unreachable_channel_is_refused(customer_user):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestUnreachable):
        _change(contact_request, customer, preferred_channel="phone")
    contact_request.refresh_from_db()
    assert contact_request.preferred_channel == "email" and contact_request.events.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"preferred_time_slots": ["midnight"]}, "preferred_time_slots"),
        ({}, "preferred_channel"),  # nothing changed
    ],
)
def test_bad_changes_are_refused(customer_user, fields, field):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestError) as caught:
        _change(contact_request, customer, **fields)
    assert field in caught.value.message_dict


def test_once_taken_the_customer_can_neither_change_nor_cancel(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    with pytest.raises(ContactRequestTaken):
        _change(contact_request, customer, preferred_time_slots=["weekday_lunch"])


def test_staff_cannot_change_for_the_customer(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestForbidden):
        contact_request_change(
            contact_request_id=contact_request.pk,
            actor=Actor.staff(agent),
            preferred_channel="email",
            preferred_time_slots=["weekday_lunch"],
        )


# --- Pages -----------------------------------------------------------------------------------------


def test_the_confirmation_repeats_the_chosen_slot(customer_client):
    response = customer_client.post(
        "/my/requests/",
        {
            "reason": "About my bill.",
            "preferred_channel": "email",
            "preferred_time_slots": ["weekday_lunch"],
            "language": "en",
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    customer_client.cookies["django_language"] = "en"
    body = response.content.decode()
    assert "we will contact you by" in body.lower()
    assert "12:00–14:00" in body


def test_the_change_page_changes_and_cancels_then_says_taken(customer_client, customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    url = reverse("contact_requests:change", args=[contact_request.pk])
    customer_client.cookies["django_language"] = "en"
    page = customer_client.get(url).content.decode()
    assert 'id="change-request-submit"' in page and f'id="cancel-request-{contact_request.pk}"' in page
    # Phone is not offered (no number): posting it anyway is a form error, nothing changes.
    response = customer_client.post(url, {"preferred_channel": "phone"})
    assert response.status_code == 400 and 'id="id_preferred_channel_error"' in response.content.decode()
    # The choices' group is described by its error, for a screen reader on the radios.
    assert 'aria-describedby="id_preferred_channel_error"' in response.content.decode()
    response = customer_client.post(url, {"preferred_channel": "email", "preferred_time_slots": ["weekday_afternoon"]})
    assert response.status_code == 302
    said = customer_client.get(response["Location"]).content.decode()
    assert "Your request is changed" in said and "Your request is sent" not in said  # it said "sent"
    contact_request.refresh_from_db()
    assert contact_request.preferred_time_slots == ["weekday_afternoon"]
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    page = customer_client.get(url).content.decode()
    assert 'id="request-taken"' in page and 'id="change-request-submit"' not in page
    assert customer_client.post(url, {"preferred_channel": "email"}).status_code == 409
    listing = customer_client.get("/my/requests/").content.decode()
    assert f'id="taken-request-{contact_request.pk}"' in listing
    assert f'id="cancel-request-{contact_request.pk}"' not in listing


def test_another_customers_request_does_not_exist(client, other_customer_user, customer_user):
    contact_request = request_for(customer_user[1])
    client.force_login(other_customer_user[0])
    assert client.get(reverse("contact_requests:change", args=[contact_request.pk])).status_code == 404
    assert client.post(reverse("contact_requests:change", args=[contact_request.pk])).status_code == 404


def test_the_request_page_shows_the_urgent_number_and_opening_hours(customer_client):
    team = SupportTeam.objects.get()
    team.urgent_phone = "+33 1 23 45 67 89"
    team.save(update_fields=["urgent_phone"])
    customer_client.cookies["django_language"] = "fr"
    page = customer_client.get("/my/requests/").content.decode()
    assert 'href="tel:+33 1 23 45 67 89"' in page
    assert "lundi–vendredi\u00a0: 9\u00a0h – 18\u00a0h" in page


def test_without_an_urgent_number_the_request_page_promises_no_call(customer_client, customer_user, agent):
    """No number configured: the box shows the opening hours under a heading that offers no call, and
    a taken request does not send the customer to look for a number that is not there."""
    SupportTeam.objects.update(urgent_phone="")
    contact_request = request_for(customer_user[1])
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    customer_client.cookies["django_language"] = "en"
    page = customer_client.get("/my/requests/").content.decode()
    assert "When our team is there" in page and "Urgent? Call us" not in page and "tel:" not in page
    taken = page[page.index(f'id="taken-request-{contact_request.pk}"') :]
    assert taken[: taken.index("</p>")].endswith("To change or cancel it, reply to our email.")
    SupportTeam.objects.update(urgent_phone="+33 1 23 45 67 89")
    page = customer_client.get("/my/requests/").content.decode()
    assert "Urgent? Call us" in page and "(see “Urgent? Call us” above)" in page


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "fr",
            [
                "Vous avez demandé à parler à une personne, par e-mail, à tout moment.",
                "Vous avez modifié votre demande.",
                "Un membre de notre équipe a pris en charge votre demande.",
                "Nous avons fixé un rendez-vous avec vous",
                "Nous avons échangé avec vous et clos votre demande.",
                "Vous avez annulé votre demande.",
            ],
        ),
        (
            "en",
            [
                "You asked to talk to a person, by email, at any time.",
                "You changed your request.",
                "A member of our team took your request.",
                "We set an appointment with you",
                "We talked with you and closed your request.",
                "You cancelled your request.",
            ],
        ),
    ],
)
def test_every_step_is_in_the_customers_history(customer_client, customer_user, agent, language, texts):
    _, customer = customer_user
    first = request_for(customer)
    first = _change(first, customer, preferred_time_slots=["weekday_morning"])  # its slots, for fitting_time
    actor = Actor.staff(agent)
    contact_request_assign(contact_request_id=first.pk, actor=actor, assignee=agent)
    when = fitting_time(first)
    contact_request_schedule(contact_request_id=first.pk, actor=actor, scheduled_for=when)
    contact_request_complete(
        contact_request_id=first.pk, actor=actor, outcome_code="reached", outcome="Done.", now=when + timedelta(hours=1)
    )
    second = request_for(customer)
    contact_request_cancel(contact_request_id=second.pk, actor=Actor.customer(customer))
    customer_client.cookies["django_language"] = language
    page = customer_client.get("/my/history/").content.decode()
    section = page[page.index('id="request-steps"') :]
    section = re.sub(r'<span class="nowrap">([^<]*)</span>', r"\1", section)  # "e-mail" kept on one line
    for text in texts:
        assert text in section, text
    assert "escalated" not in section


def test_the_history_reads_the_steps_in_one_query(customer_client, customer_user):
    _, customer = customer_user
    for _index in range(3):
        request_for(customer)
    customer_client.get("/my/history/")
    with translation.override("en"):
        with CaptureQueriesContext(connection) as few:
            customer_client.get("/my/history/")
        request_for(customer)
        request_for(customer)
        with CaptureQueriesContext(connection) as more:
            customer_client.get("/my/history/")
    assert len(more) == len(few)

