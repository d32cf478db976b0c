"""Scheduling keeps to the customer's slots, quiet hours and time zone and to the team's opening hours:
a time outside them is refused unless the agent records a reason and the customer's agreement; the
team's hours come from the admin; deadlines follow the customer's slots."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from contact_requests.models import OpeningPeriod, SupportTeam
from contact_requests.services import Actor, ContactRequestError, contact_request_schedule
from contact_requests.team import team_contact_get
from contact_requests.timing import appointments_proposed
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.contact_requests.helpers import fitting_time, request_for
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TUESDAY_8H = datetime(2026, 12, 1, 8, tzinfo=PARIS)


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent)
    return client


def _quiet(customer, start, end):
    preferences_change(
        customer_id=customer.pk,
        changes={"customer.quiet_hours_start": start, "customer.quiet_hours_end": end},
        context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    )


def _saturday_request(customer, **fields):
    """A request for the Saturday 9–12 slot, made while the team worked Saturday mornings and kept after
    it stopped (the slot can no longer be chosen, but a request may still hold it)."""
    saturday = OpeningPeriod.objects.create(team=SupportTeam.objects.get(), weekday=5, opens=time(9), closes=time(12))
    contact_request = request_for(customer, preferred_time_slots=["saturday_morning"], **fields)
    saturday.delete()
    return contact_request


def _issue_case(customer):
    """The issue's customer: quiet hours 22:00–07:30, only the Saturday 9–12 slot, a phone call."""
    add_verified_phone(customer, "+33612345678")
    _quiet(customer, time(22), time(7, 30))
    return _saturday_request(customer, preferred_channel="phone", now=TUESDAY_8H)


def test_wednesday_at_23_is_refused_without_reason_and_agreement(customer_user, agent):
    contact_request = _issue_case(customer_user[1])
    with translation.override("en"), pytest.raises(ContactRequestError) as caught:
        contact_request_schedule(
            contact_request_id=contact_request.pk,
            actor=Actor.staff(agent),
            scheduled_for=datetime(2026, 12, 2, 23, tzinfo=PARIS),
            now=TUESDAY_8H,
        )
    errors = caught.value.message_dict
    assert "quiet hours" in errors["outside_reason"][0] and "opening hours" in errors["outside_reason"][0]
    assert "customer_agreed" in errors
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.scheduled_for) == ("open", None)
    assert contact_request.events.count() == 1


@pytest.mark.parametrize(
    ("reason", "agreed", "field"), [("Asked for it.", False, "customer_agreed"), ("", True, "outside_reason")]
)
def test_a_reason_alone_or_an_agreement_alone_is_not_enough(customer_user, agent, reason, agreed, field):
    contact_request = _issue_case(customer_user[1])
    with pytest.raises(ContactRequestError) as caught:
        contact_request_schedule(
            contact_request_id=contact_request.pk,
            actor=Actor.staff(agent),
            scheduled_for=datetime(2026, 12, 5, 10, tzinfo=PARIS),  # the Saturday slot, but the team is closed
            outside_reason=reason,
            customer_agreed=agreed,
            now=TUESDAY_8H,
        )
    assert list(caught.value.message_dict) == [field]


def test_outside_with_reason_and_agreement_is_recorded_on_the_step(customer_user, agent):
    contact_request = _issue_case(customer_user[1])
    when = datetime(2026, 12, 5, 10, tzinfo=PARIS)
    contact_request_schedule(
        contact_request_id=contact_request.pk,
        actor=Actor.staff(agent),
        scheduled_for=when,
        outside_reason="The customer asked for Saturday; a colleague is on duty.",
        customer_agreed=True,
        now=TUESDAY_8H,
    )
    event = contact_request.events.last()
    assert event.kind == "scheduled"
    assert event.details == {
        "misfits": ["team_closed"],
        "reason": "The customer asked for Saturday; a colleague is on duty.",
        "customer_agreed": True,
    }


def test_a_proposed_time_needs_nothing_more_and_records_no_exception(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer, preferred_time_slots=["weekday_afternoon"], now=TUESDAY_8H)
    proposals = appointments_proposed(contact_request=contact_request, now=TUESDAY_8H, count=3)
    assert proposals == [datetime(2026, 12, d, 14, tzinfo=PARIS) for d in (1, 2, 3)]
    contact_request_schedule(
        contact_request_id=contact_request.pk, actor=Actor.staff(agent), scheduled_for=proposals[0], now=TUESDAY_8H
    )
    assert contact_request.events.last().details == {}


def test_quiet_hours_do_not_bind_an_email_answer(customer_user, agent):
    _, customer = customer_user
    _quiet(customer, time(8), time(12))
    contact_request = request_for(customer, preferred_channel="email", now=TUESDAY_8H)
    contact_request_schedule(
        contact_request_id=contact_request.pk,
        actor=Actor.staff(agent),
        scheduled_for=datetime(2026, 12, 1, 10, tzinfo=PARIS),
        now=TUESDAY_8H,
    )


def test_the_team_hours_come_from_the_admin_and_move_the_deadline(customer_user):
    _, customer = customer_user
    team = SupportTeam.objects.get()
    assert [str(period) for period in team.opening_periods.all()][0].endswith("09:00–18:00")
    team.opening_periods.all().delete()
    OpeningPeriod.objects.create(team=team, weekday=5, opens=time(9), closes=time(12))
    team.urgent_phone = "+33 1 23 45 67 89"
    team.save()
    contact = team_contact_get()
    assert contact.urgent_phone == "+33 1 23 45 67 89"
    with translation.override("fr"):
        assert contact.opening_lines == ["samedi\u00a0: 9\u00a0h – 12\u00a0h"]
    # Saturday mornings only: 2 h from Tuesday is Saturday 11:00.
    contact_request = request_for(customer, now=TUESDAY_8H)
    assert contact_request.service_level.response_hours == 48
    assert timezone.localtime(contact_request.due_at, PARIS).weekday() == 5


def test_opening_lines_group_days_with_the_same_hours():
    with translation.override("en"):
        assert team_contact_get().opening_lines == ["Monday–Friday: 9:00–18:00"]


def test_opening_hours_are_written_as_each_language_writes_times(db):
    team = SupportTeam.objects.get()
    team.opening_periods.all().delete()
    OpeningPeriod.objects.create(team=team, weekday=0, opens=time(8, 30), closes=time(12))
    OpeningPeriod.objects.create(team=team, weekday=0, opens=time(13, 30), closes=time(17, 45))
    with translation.override("fr"):
        assert team_contact_get().opening_lines == ["lundi\u00a0: 8\u00a0h\u00a030 – 12\u00a0h, 13\u00a0h\u00a030 – 17\u00a0h\u00a045"]
    with translation.override("en"):
        assert team_contact_get().opening_lines == ["Monday: 8:30–12:00, 13:30–17:45"]


def test_an_opening_period_must_close_after_it_opens():
    period = OpeningPeriod(team=SupportTeam.objects.get(), weekday=0, opens=time(18), closes=time(9))
    with pytest.raises(Exception) as caught:
        period.full_clean()
    assert "closes" in caught.value.message_dict


def test_the_console_proposes_times_and_refuses_one_outside(agent_client, customer_user):
    _, customer = customer_user
    contact_request = request_for(customer, preferred_time_slots=["weekday_morning"])
    url = reverse("support:request_detail", args=[contact_request.pk])
    page = agent_client.get(url).content.decode()
    assert 'id="request-proposal-0"' in page and 'id="request-proposal-4"' in page
    outside = timezone.localtime(fitting_time(contact_request)).replace(hour=21, minute=0)
    response = agent_client.post(
        reverse("support:request_schedule", args=[contact_request.pk]),
        {"scheduled_for": outside.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_outside_reason_error"' in body and 'id="id_customer_agreed_error"' in body
    response = agent_client.post(
        reverse("support:request_schedule", args=[contact_request.pk]),
        {
            "scheduled_for": outside.strftime("%Y-%m-%dT%H:%M"),
            "outside_reason": "Asked by phone.",
            "customer_agreed": "on",
        },
    )
    assert response.status_code == 302
    agent_client.cookies["django_language"] = "en"
    steps = agent_client.get(url).content.decode()
    assert "Reason: Asked by phone.; the customer agreed." in steps
    assert "outside the time slots the customer chose" in steps


def test_the_console_shows_no_proposal_when_nothing_fits(agent_client, customer_user):
    _, customer = customer_user
    contact_request = _saturday_request(customer)
    page = agent_client.get(reverse("support:request_detail", args=[contact_request.pk])).content.decode()
    assert 'id="proposals-none"' in page and 'id="request-proposal-0"' not in page


def test_the_request_page_queries_stay_bounded(agent_client, customer_user, django_assert_max_num_queries):
    contact_request = request_for(customer_user[1])
    with django_assert_max_num_queries(16):
        assert agent_client.get(reverse("support:request_detail", args=[contact_request.pk])).status_code == 200


def test_yesterday_is_still_refused_even_with_a_reason(customer_user, agent):
    contact_request = request_for(customer_user[1])
    with pytest.raises(ContactRequestError) as caught:
        contact_request_schedule(
            contact_request_id=contact_request.pk,
            actor=Actor.staff(agent),
            scheduled_for=timezone.now() - timedelta(days=1),
            outside_reason="Because.",
            customer_agreed=True,
        )
    assert "scheduled_for" in caught.value.message_dict
