from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone, translation

from contact_requests import services
from contact_requests.models import ContactRequest, ContactRequestEvent, ServiceLevel
from contact_requests.services import (
    Actor,
    ContactRequestError,
    ContactRequestForbidden,
    contact_request_assign,
    contact_request_cancel,
    contact_request_complete,
    contact_request_mark_unreachable,
    contact_request_schedule,
)
from notifications.models import OutboundMessage
from preferences.models import Topic
from tests.contact_requests.helpers import fitting_time, request_for
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY_10H = datetime(2026, 12, 2, 10, tzinfo=PARIS)


def emails_to(address):
    return list(OutboundMessage.objects.filter(to=address).order_by("pk"))


def test_create_opens_request_with_due_time_event_and_acknowledgement(customer_user):
    user, customer = customer_user
    now = WEDNESDAY_10H
    topic = Topic.objects.get(code="billing")
    contact_request = request_for(
        customer,
        topic=topic,
        preferred_time_slots=["weekday_morning", "weekday_morning"],
        contested_decision="Credit refused by a scoring model",
        now=now,
    )
    assert contact_request.status == "open"
    assert contact_request.language == customer.language
    assert contact_request.preferred_time_slots == ["weekday_morning"]
    # The default service level, 48 opening hours, from Wednesday 10:00 (in the weekday morning slot).
    assert contact_request.due_at == datetime(2026, 12, 9, 13, tzinfo=PARIS)
    assert contact_request.service_level.preferred_channel == ""
    event = ContactRequestEvent.objects.get(contact_request=contact_request)
    assert (event.kind, event.old_status, event.new_status, event.actor_type) == ("created", "", "open", "customer")
    [email] = emails_to(user.email)
    assert "I want to understand my bill." in email.body
    assert "Credit refused by a scoring model" in email.body


def test_acknowledgement_is_sent_by_celery_after_commit(customer_user, django_capture_on_commit_callbacks):
    user, customer = customer_user
    with django_capture_on_commit_callbacks(execute=True):
        request_for(customer)
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert OutboundMessage.objects.get(to=user.email).sent_at is not None


def test_email_is_written_in_the_language_of_the_request(customer_user):
    user, customer = customer_user
    request_for(customer, language="en")
    assert emails_to(user.email)[0].subject == "We received your request to talk to a person"


def test_service_level_of_the_channel_wins_and_inactive_levels_are_ignored(customer_user):
    _, customer = customer_user
    add_verified_phone(customer, "+33612345678")
    now = WEDNESDAY_10H
    # Counted in opening hours (Monday to Friday 9:00–18:00): 24 h from Wednesday 10:00 is Friday 16:00.
    phone = request_for(customer, preferred_channel="phone", now=now)
    assert phone.due_at == datetime(2026, 12, 4, 16, tzinfo=PARIS)
    ServiceLevel.objects.filter(preferred_channel="phone").update(is_active=False)
    again = request_for(customer, preferred_channel="phone", now=now)
    assert again.due_at == datetime(2026, 12, 9, 13, tzinfo=PARIS)  # 48 opening hours
    ServiceLevel.objects.all().delete()
    fallback = request_for(customer, preferred_channel="video", now=now)
    assert fallback.due_at == datetime(2026, 12, 9, 13, tzinfo=PARIS)  # FALLBACK_RESPONSE_TIME, 48 h
    assert fallback.service_level is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"preferred_time_slots": ["midnight"]}, "preferred_time_slots"),
        ({"language": "de"}, "language"),
        ({"created_by_type": "robot"}, "created_by_type"),
    ],
)
def test_create_refuses_bad_input(customer_user, overrides, field):
    _, customer = customer_user
    with pytest.raises(ContactRequestError) as caught:
        request_for(customer, **overrides)
    assert field in caught.value.message_dict
    assert not ContactRequest.objects.exists()
    assert not OutboundMessage.objects.filter(subject__icontains="request").exists()


def test_create_refuses_too_many_requests_in_progress(customer_user):
    _, customer = customer_user
    for _index in range(services.MAX_ACTIVE_PER_CUSTOMER):
        request_for(customer)
    with pytest.raises(ContactRequestError):
        request_for(customer)


def test_create_refuses_an_erased_customer(customer_user):
    _, customer = customer_user
    customer.erased_at = timezone.now()
    customer.save(update_fields=["erased_at"])
    with pytest.raises(ContactRequestError):
        request_for(customer)


def test_api_client_can_create_for_a_customer(customer_user):
    _, customer = customer_user
    contact_request = request_for(customer, created_by_type="api_client", actor_id="chatbot-1")
    assert (contact_request.created_by_type, contact_request.created_by_id) == ("api_client", "chatbot-1")


def test_full_life_open_assigned_scheduled_completed(customer_user, agent):
    user, customer = customer_user
    contact_request = request_for(customer)
    actor = Actor.staff(agent)
    contact_request_assign(contact_request_id=contact_request.pk, actor=actor, assignee=agent)
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.assigned_to) == ("assigned", agent)
    when = fitting_time(contact_request)
    contact_request_schedule(contact_request_id=contact_request.pk, actor=actor, scheduled_for=when)
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.scheduled_for) == ("scheduled", when)
    assert contact_request.answered_at is not None
    contact_request_complete(
        contact_request_id=contact_request.pk,
        actor=actor,
        outcome_code="reached",
        outcome="Explained the bill.",
        now=when + timedelta(minutes=20),
    )
    contact_request.refresh_from_db()
    assert contact_request.status == "completed"
    assert contact_request.outcome == "Explained the bill."
    assert contact_request.closed_at is not None
    kinds = list(contact_request.events.values_list("kind", "old_status", "new_status"))
    assert kinds == [
        ("created", "", "open"),
        ("assigned", "open", "assigned"),
        ("scheduled", "assigned", "scheduled"),
        ("completed", "scheduled", "completed"),
    ]
    # An acknowledgement, then one email per state change.
    subjects = [email.subject for email in emails_to(user.email)]
    assert len(subjects) == 4
    assert "Explained the bill." in emails_to(user.email)[-1].body


def test_reassigning_keeps_the_status_and_sends_no_email(customer_user, agent, supervisor):
    user, customer = customer_user
    contact_request = request_for(customer)
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    before = len(emails_to(user.email))
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=supervisor)
    contact_request.refresh_from_db()
    assert (contact_request.status, contact_request.assigned_to) == ("assigned", supervisor)
    assert len(emails_to(user.email)) == before
    assert contact_request.events.filter(kind="assigned").count() == 2


def test_complete_straight_from_open_assigns_the_person(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    completed = contact_request_complete(
        contact_request_id=contact_request.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="Done."
    )
    assert (completed.status, completed.assigned_to) == ("completed", agent)


def test_an_api_client_can_never_complete(customer_user):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestForbidden):
        contact_request_complete(
            contact_request_id=contact_request.pk, actor=Actor.api_client("chatbot-1"), outcome_code="reached", outcome="x"
        )
    contact_request.refresh_from_db()
    assert contact_request.status == "open"


def test_a_staff_actor_that_is_not_staff_any_more_cannot_complete(customer_user, other_customer_user):
    _, customer = customer_user
    contact_request = request_for(customer)
    impostor = Actor(type="staff", id=str(other_customer_user[0].pk), user=other_customer_user[0])
    with pytest.raises(ContactRequestForbidden):
        contact_request_complete(contact_request_id=contact_request.pk, actor=impostor, outcome_code="reached", outcome="x")


@pytest.mark.parametrize(
    "call",
    [
        lambda pk, cust: contact_request_assign(contact_request_id=pk, actor=Actor.customer(cust), assignee=None),
        lambda pk, cust: contact_request_schedule(
            contact_request_id=pk, actor=Actor.api_client("x"), scheduled_for=timezone.now() + timedelta(days=1)
        ),
        lambda pk, cust: contact_request_mark_unreachable(contact_request_id=pk, actor=Actor.customer(cust)),
    ],
)
def test_staff_actions_refuse_other_actors(customer_user, call):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestForbidden):
        call(contact_request.pk, customer)


def test_complete_needs_an_outcome(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestError) as caught:
        contact_request_complete(contact_request_id=contact_request.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="  ")
    assert "outcome" in caught.value.message_dict


def test_schedule_refuses_a_time_in_the_past(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestError) as caught:
        contact_request_schedule(
            contact_request_id=contact_request.pk,
            actor=Actor.staff(agent),
            scheduled_for=timezone.now() - timedelta(hours=1),
        )
    assert "scheduled_for" in caught.value.message_dict


def test_assign_only_to_staff(customer_user, agent, other_customer_user):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestError):
        contact_request_assign(
            contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=other_customer_user[0]
        )


def test_customer_cancels_a_request_nobody_has_taken(customer_user):
    user, customer = customer_user
    contact_request = request_for(customer, language="en")
    cancelled = contact_request_cancel(contact_request_id=contact_request.pk, actor=Actor.customer(customer))
    assert cancelled.status == "cancelled"
    assert cancelled.answered_at is None
    assert "cancelled" in emails_to(user.email)[-1].subject


def test_a_taken_request_cannot_be_cancelled_by_the_customer(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer, language="en")
    contact_request_assign(contact_request_id=contact_request.pk, actor=Actor.staff(agent), assignee=agent)
    with translation.override("fr"), pytest.raises(services.ContactRequestTaken) as caught:
        contact_request_cancel(contact_request_id=contact_request.pk, actor=Actor.customer(customer))
    assert "contactez l’équipe" in caught.value.message_dict["status"][0]  # the active language, not the request's
    contact_request.refresh_from_db()
    assert contact_request.status == "assigned"
    assert contact_request.events.count() == 2


def test_cancelling_a_completed_request_is_refused(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    contact_request_complete(contact_request_id=contact_request.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="Done.")
    with pytest.raises(ContactRequestError) as caught:
        contact_request_cancel(contact_request_id=contact_request.pk, actor=Actor.customer(customer))
    assert "status" in caught.value.message_dict
    contact_request.refresh_from_db()
    assert contact_request.status == "completed"


def test_staff_cannot_cancel_for_the_customer(customer_user, agent):
    _, customer = customer_user
    contact_request = request_for(customer)
    with pytest.raises(ContactRequestForbidden):
        contact_request_cancel(contact_request_id=contact_request.pk, actor=Actor.staff(agent))


def test_unreachable_closes_for_good(customer_user, agent):
    user, customer = customer_user
    contact_request = request_for(customer, language="en")
    closed = contact_request_mark_unreachable(
        contact_request_id=contact_request.pk, actor=Actor.staff(agent), note="Three calls, no answer."
    )
    assert (closed.status, closed.outcome) == ("unreachable", "Three calls, no answer.")
    assert "could not reach" in emails_to(user.email)[-1].subject.lower()
    with pytest.raises(ContactRequestError):
        contact_request_complete(contact_request_id=contact_request.pk, actor=Actor.staff(agent), outcome_code="reached", outcome="x")


def test_no_email_when_the_customer_has_no_address(db):
    from preferences.customers import customer_create
    from preferences.domain import ActorType, Source
    from preferences.ledger import ChangeContext

    customer = customer_create(
        external_id="CRM-PHONE-ONLY",
        phone="+33612345678",
        phone_verified=True,
        context=ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT),
    )
    request_for(customer, preferred_channel="phone", created_by_type="api_client", actor_id="crm")
    assert not OutboundMessage.objects.exists()
