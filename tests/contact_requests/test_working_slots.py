"""A request only promises contact when the team works: the form offers the time slots that overlap the
team's opening hours (as configured, in the customer's time zone) and says why the others are missing;
the service refuses the others, for the portal, the API and the console alike; with no slot at all a
customer can still ask (any time the team works). The confirmation and the email say the channel and
the slots as words inside a sentence, in French and in English."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from contact_requests.availability import SLOT_TIMES, TeamHours, slots_worked
from contact_requests.models import ContactRequest, OpeningPeriod, PreferredChannel, SupportTeam, TimeSlot
from contact_requests.phrases import CHANNEL_PHRASES, SLOT_PHRASES
from contact_requests.services import Actor, ContactRequestError, contact_request_change
from notifications.models import OutboundMessage
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.contact_requests.helpers import request_for
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TUESDAY_8H = datetime(2026, 12, 1, 8, tzinfo=PARIS)
LIST_URL = "/my/requests/"
WORKED = ("weekday_morning", "weekday_lunch", "weekday_afternoon")


def _post(**overrides):
    data = {"topic": "", "reason": "About my bill.", "preferred_channel": "email", "language": "fr"}
    return data | overrides


def _time_zone(customer, zone):
    preferences_change(
        customer_id=customer.pk,
        changes={"customer.time_zone": zone},
        context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    )
    customer.refresh_from_db()


def _saturday_mornings():
    OpeningPeriod.objects.create(team=SupportTeam.objects.get(), weekday=5, opens=time(9), closes=time(12))


# --- The rule ------------------------------------------------------------------------------------


def test_the_default_team_works_the_weekday_daytime_slots_only():
    assert slots_worked(TeamHours(), zone="Europe/Paris", now=TUESDAY_8H) == WORKED


def test_a_slot_that_only_partly_overlaps_counts_and_one_that_only_touches_does_not():
    until_19 = TeamHours(periods=tuple((day, time(9), time(19)) for day in range(5)))
    assert "weekday_evening" in slots_worked(until_19, zone="Europe/Paris", now=TUESDAY_8H)
    # 18:00 closing meets the 18:00–20:00 slot without overlapping it.
    assert "weekday_evening" not in slots_worked(TeamHours(), zone="Europe/Paris", now=TUESDAY_8H)


def test_the_slots_are_in_the_customers_time_zone():
    # Martinique is 5 hours behind Paris in December: 9–12 there is 14–17 in Paris, 14–18 is 19–23.
    assert slots_worked(TeamHours(), zone="America/Martinique", now=TUESDAY_8H) == ("weekday_morning", "weekday_lunch")
    # Tahiti is 11 hours behind: nothing the team works falls in a slot.
    assert slots_worked(TeamHours(), zone="Pacific/Tahiti", now=TUESDAY_8H) == ()


def test_a_public_holiday_does_not_stop_a_weekly_slot():
    christmas_eve = datetime(2026, 12, 24, 18, tzinfo=PARIS)  # Christmas and a weekend within days
    assert slots_worked(TeamHours(), zone="Europe/Paris", now=christmas_eve) == WORKED


def test_every_slot_and_channel_has_its_words_for_a_sentence():
    assert set(SLOT_PHRASES) == set(TimeSlot.values) == set(SLOT_TIMES)
    assert set(CHANNEL_PHRASES) == set(PreferredChannel.values)


# --- The service ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slots", [["saturday_morning"], ["weekday_evening"], ["weekday_morning", "saturday_morning"]])
def test_the_service_refuses_a_slot_the_team_never_works(customer_user, slots):
    user, customer = customer_user
    with translation.override("fr"), pytest.raises(ContactRequestError) as caught:
        request_for(customer, preferred_time_slots=slots, now=TUESDAY_8H)
    assert list(caught.value.message_dict) == ["preferred_time_slots"]
    message = caught.value.message_dict["preferred_time_slots"][0]
    assert message.startswith("Notre équipe ne travaille pas ")
    assert "du lundi au vendredi de 9\u00a0h" not in message  # only the slot it does not work is named
    assert not ContactRequest.objects.exists() and not OutboundMessage.objects.filter(to=user.email).exists()


def test_the_refusal_speaks_english_too(customer_user):
    with translation.override("en"), pytest.raises(ContactRequestError) as caught:
        request_for(customer_user[1], preferred_time_slots=["saturday_morning", "weekday_evening"])
    assert caught.value.message_dict["preferred_time_slots"] == [
        "Our team does not work on weekdays from 18:00 to 20:00 or on Saturdays from 9:00 to 12:00: choose another "
        "time, or none if any time suits you."
    ]


def test_a_working_slot_still_opens_a_request_with_the_same_due_time(customer_user):
    contact_request = request_for(customer_user[1], preferred_time_slots=["weekday_afternoon"], now=TUESDAY_8H)
    # From Tuesday 14:00 (the first slot), 48 opening hours of 9 a day: the next Tuesday at 17:00.
    assert timezone.localtime(contact_request.due_at, PARIS) == datetime(2026, 12, 8, 17, tzinfo=PARIS)


def test_the_rule_follows_the_configured_hours(customer_user):
    _saturday_mornings()
    contact_request = request_for(customer_user[1], preferred_time_slots=["saturday_morning"], now=TUESDAY_8H)
    # 48 opening hours from Saturday 9:00: 3 on Saturday, then 45 over Monday to Friday.
    assert timezone.localtime(contact_request.due_at, PARIS) == datetime(2026, 12, 11, 18, tzinfo=PARIS)


def test_a_change_to_a_slot_the_team_never_works_is_refused(customer_user):
    _, customer = customer_user
    contact_request = request_for(customer, preferred_time_slots=["weekday_morning"])
    with pytest.raises(ContactRequestError) as caught:
        contact_request_change(
            contact_request_id=contact_request.pk,
            actor=Actor.customer(customer),
            preferred_channel="email",
            preferred_time_slots=["weekday_evening"],
        )
    assert list(caught.value.message_dict) == ["preferred_time_slots"]
    contact_request.refresh_from_db()
    assert contact_request.preferred_time_slots == ["weekday_morning"] and contact_request.events.count() == 1


def test_a_staff_made_request_keeps_the_rule(customer_user, agent):
    with pytest.raises(ContactRequestError):
        request_for(customer_user[1], preferred_time_slots=["saturday_morning"], created_by_type="staff", actor_id=agent.pk)


# --- The pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "left_out"),
    [
        ("en", "Not offered: our team does not work on weekdays from 18:00 to 20:00 or on Saturdays from 9:00 to 12:00."),
        ("fr", "Non proposé\u00a0: notre équipe ne travaille pas du lundi au vendredi de 18\u00a0h à 20\u00a0h ou le "
         "samedi de 9\u00a0h à 12\u00a0h."),
    ],
)
def test_the_forms_offer_only_the_slots_the_team_works_and_say_why(customer_client, customer_user, language, left_out):
    customer_client.cookies["django_language"] = language
    contact_request = request_for(customer_user[1])
    for url in (LIST_URL, f"/my/requests/{contact_request.pk}/change/"):
        page = customer_client.get(url).content.decode()
        offered = [slot for slot in TimeSlot.values if f'name="preferred_time_slots" value="{slot}"' in page]
        assert offered == list(WORKED)
        assert 'aria-describedby="slots-left-out"' in page and left_out in page


def test_the_form_follows_the_configured_hours(customer_client):
    _saturday_mornings()
    page = customer_client.get(LIST_URL).content.decode()
    assert 'value="saturday_morning"' in page and 'value="weekday_evening"' not in page


def test_the_page_refuses_a_slot_the_team_never_works(customer_client):
    customer_client.cookies["django_language"] = "fr"
    response = customer_client.post(LIST_URL, _post(preferred_time_slots=["saturday_morning"]))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and 'id="id_preferred_time_slots_error"' in body
    assert "Notre équipe ne travaille pas le samedi de 9\u00a0h à 12\u00a0h\u00a0: choisissez un autre moment" in body
    assert not ContactRequest.objects.exists()


def test_with_no_slot_to_offer_a_customer_can_still_ask(customer_client, customer_user):
    _, customer = customer_user
    _time_zone(customer, "Pacific/Tahiti")
    customer_client.cookies["django_language"] = "en"
    page = customer_client.get(LIST_URL).content.decode()
    assert 'id="slots-none"' in page and 'name="preferred_time_slots"' not in page
    assert "our team will contact you during its opening hours" in page
    refused = customer_client.post(LIST_URL, _post(preferred_time_slots=["weekday_morning"], language="en"))
    assert refused.status_code == 400
    assert "leave the times empty, and we will contact you during our opening hours" in refused.content.decode()
    response = customer_client.post(LIST_URL, _post(language="en"), follow=True)
    assert response.redirect_chain and ContactRequest.objects.get().preferred_time_slots == []
    assert "we will contact you by email, during our opening hours." in response.content.decode()


# --- The sentences -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said", "mailed", "zone"),
    [
        (
            "fr",
            "Votre demande est envoyée\u00a0: nous vous contacterons par téléphone, du lundi au vendredi de 9\u00a0h "
            "à 12\u00a0h ou du lundi au vendredi de 14\u00a0h à 18\u00a0h.",
            "Un membre de notre équipe vous contactera par téléphone avant le ",
            "Vos disponibilités (fuseau horaire\u00a0: France métropolitaine)\u00a0:",
        ),
        (
            "en",
            "Your request is sent: we will contact you by phone, on weekdays from 9:00 to 12:00 or on weekdays from "
            "14:00 to 18:00.",
            "A member of our team will contact you by phone before ",
            "When you are available (time zone: Metropolitan France):",
        ),
    ],
)
def test_the_confirmation_and_the_email_read_as_sentences(customer_client, customer_user, language, said, mailed, zone):
    user, customer = customer_user
    add_verified_phone(customer, "+33612345678")
    customer_client.cookies["django_language"] = language
    data = _post(preferred_channel="phone", preferred_time_slots=["weekday_morning", "weekday_afternoon"], language=language)
    body = customer_client.post(LIST_URL, data, follow=True).content.decode()
    assert said in body
    assert "Appel téléphonique," not in body and "Phone call," not in body
    email = OutboundMessage.objects.filter(to=user.email).latest("pk")
    assert mailed in email.body
    assert zone in email.body  # the zone as the customer chose it in the list, not "Europe/Paris"
    assert "Europe/Paris" not in email.body


def test_the_changed_confirmation_and_email_read_as_sentences(customer_client, customer_user):
    user, customer = customer_user
    contact_request = request_for(customer)
    customer_client.cookies["django_language"] = "fr"
    url = f"/my/requests/{contact_request.pk}/change/"
    body = customer_client.post(url, {"preferred_channel": "video", "preferred_time_slots": []}, follow=True)
    assert "nous vous contacterons par appel vidéo, pendant nos heures d’ouverture." in body.content.decode()
    email = OutboundMessage.objects.filter(to=user.email).latest("pk")
    assert "Nous vous contacterons par appel vidéo." in email.body
