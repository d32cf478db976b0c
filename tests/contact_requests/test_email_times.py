"""Times in the emails about a request to talk to a person: said as a sentence says them ("le 7 décembre
2026 à 09:30", not "le 7 décembre 2026 09:30"), and an appointment names the time zone it is in, the
customer's, so that a customer whose zone is not Paris's knows when the phone will ring."""

import re
from zoneinfo import ZoneInfo

import pytest

from contact_requests.services import Actor, contact_request_assign, contact_request_schedule
from notifications.models import OutboundMessage
from tests.conftest import make_customer_user
from tests.contact_requests.helpers import fitting_time, request_for
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]


def _said(moment, language: str, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    if language == "fr":
        return f"{local.day} {MONTHS_FR[local.month - 1]} {local.year} à {local:%H:%M}"
    return f"{local.day} {local:%B} {local.year}, {local:%H:%M}"


@pytest.mark.parametrize(
    ("language", "zone", "sentence"),
    [
        ("fr", "Europe/Paris", "Nous vous contacterons par téléphone le {when} (fuseau horaire\u00a0: France métropolitaine)."),
        ("en", "America/New_York", "We will contact you by phone on {when} (time zone: United States — New York)."),
    ],
)
def test_the_appointment_email_says_when_and_in_which_time_zone(agent, language, zone, sentence):
    _user, customer = make_customer_user(f"{language}@example.com", language=language)
    customer.time_zone = zone
    customer.save(update_fields=["time_zone"])
    add_verified_phone(customer, "+33612345678")
    contact_request = request_for(customer, preferred_channel="phone", language=language)
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    when = fitting_time(contact_request)
    contact_request_schedule(contact_request_id=contact_request.pk, actor=Actor.staff(agent), scheduled_for=when)
    acknowledgement, _assigned, appointment = OutboundMessage.objects.filter(to=customer.user.email).order_by("id")
    assert sentence.format(when=_said(when, language, zone)) in appointment.body.splitlines(), appointment.body
    if language == "fr":
        contact_request.refresh_from_db()
        due = _said(contact_request.due_at, "fr", zone)
        assert f"vous contactera par téléphone avant le {due} (fuseau horaire\u00a0: France métropolitaine)." in (
            acknowledgement.body
        ), acknowledgement.body
        assert not re.search(r"\d{4} \d\d:\d\d", acknowledgement.body + appointment.body)


@pytest.mark.parametrize(
    ("language", "zone", "sentence"),
    [
        ("fr", "America/New_York",
         "Un membre de notre équipe vous contactera par e-mail avant le {due} (fuseau horaire\u00a0: États-Unis — New York)."),
        ("en", "America/New_York",
         "A member of our team will contact you by email before {due} (time zone: United States — New York)."),
        ("en", "Europe/Paris",
         "A member of our team will contact you by email before {due} (time zone: Metropolitan France)."),
    ],
)
def test_the_acknowledgement_names_the_time_zone_of_its_due_time_without_time_slots(language, zone, sentence):
    """With no time slots chosen, nothing else in the email said which zone "before 14 December, 06:37" was in."""
    _user, customer = make_customer_user(f"{language}@example.com", language=language)
    customer.time_zone = zone
    customer.save(update_fields=["time_zone"])
    contact_request = request_for(customer, language=language)
    assert not contact_request.time_slot_labels
    [acknowledgement] = OutboundMessage.objects.filter(to=customer.user.email)
    due = _said(contact_request.due_at, language, zone)
    assert sentence.format(due=due) in acknowledgement.body.splitlines(), acknowledgement.body
