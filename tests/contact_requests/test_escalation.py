from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from contact_requests import tasks
from contact_requests.escalation import contact_requests_escalate_overdue
from contact_requests.models import ContactRequestEvent
from contact_requests.services import Actor, contact_request_schedule
from notifications.models import OutboundMessage
from tests.contact_requests.helpers import fitting_time, request_for

pytestmark = pytest.mark.django_db


def test_beat_schedule_runs_the_escalation():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "contact_requests.tasks.contact_requests_escalate_overdue" in entries


def test_overdue_requests_are_flagged_once_and_supervisors_emailed(customer_user, agent, supervisor):
    _, customer = customer_user
    long_ago = timezone.now() - timedelta(days=14)  # past 48 opening hours, holidays or not
    overdue = request_for(customer, now=long_ago)
    answered = request_for(customer, now=long_ago)
    contact_request_schedule(
        contact_request_id=answered.pk, actor=Actor.staff(agent), scheduled_for=fitting_time(answered)
    )
    fresh = request_for(customer)

    assert contact_requests_escalate_overdue() == [overdue.pk]

    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.escalated_at is not None
    assert fresh.escalated_at is None
    assert (
        ContactRequestEvent.objects.filter(contact_request=overdue, kind="escalated", actor_type="system").count() == 1
    )
    [email] = OutboundMessage.objects.filter(to=supervisor.email)
    assert f"/support/requests/{overdue.pk}/" in email.body
    assert not OutboundMessage.objects.filter(to=agent.email).exists()
    # Already escalated: nothing more.
    assert contact_requests_escalate_overdue() == []
    assert OutboundMessage.objects.filter(to=supervisor.email).count() == 1


def test_the_celery_task_escalates(customer_user, supervisor):
    _, customer = customer_user
    request_for(customer, now=timezone.now() - timedelta(days=14))
    assert tasks.contact_requests_escalate_overdue.delay().get() == 1
    assert OutboundMessage.objects.filter(to=supervisor.email).count() == 1


def test_nothing_overdue_sends_nothing(customer_user, supervisor):
    _, customer = customer_user
    request_for(customer)
    assert tasks.contact_requests_escalate_overdue() == 0
    assert not OutboundMessage.objects.filter(to=supervisor.email).exists()
