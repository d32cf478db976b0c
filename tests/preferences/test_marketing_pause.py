"""Pausing marketing for 1, 3 or 6 months and resuming, and putting back what an objection cleared."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api.representations import document_representation
from outbox.models import OutboxEvent
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.marketing import (
    marketing_choices_cleared,
    marketing_choices_restore,
    marketing_pause,
    marketing_resume,
    pause_end,
)
from preferences.models import ConsentEvent
from preferences.selectors import preference_document_get
from preferences.state import PreferenceError

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


def as_customer(user) -> ChangeContext:
    return ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(user.pk))


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (NOW, 1, datetime(2026, 2, 28, 9, 30, tzinfo=UTC)),  # a shorter month: its last day
        (NOW, 3, datetime(2026, 4, 30, 9, 30, tzinfo=UTC)),
        (NOW, 6, datetime(2026, 7, 31, 9, 30, tzinfo=UTC)),
        (datetime(2027, 8, 31, tzinfo=UTC), 6, datetime(2028, 2, 29, tzinfo=UTC)),  # over a year, leap
        (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
    ],
)
def test_a_pause_ends_the_same_day_months_later(start, months, end):
    assert pause_end(start=start, months=months) == end


def test_a_pause_and_a_resume_are_ledger_events_and_webhooks(customer_user):
    user, customer = customer_user
    now = timezone.now()
    result = marketing_pause(customer_id=customer.pk, months=3, context=as_customer(user), now=now)
    end = pause_end(start=now, months=3).replace(microsecond=0)
    assert result.document.customer.marketing_paused_until == end
    event = ConsentEvent.objects.latest("id")
    assert (event.key, event.old_value, event.new_value) == ("customer.marketing_paused_until", None, end.isoformat())
    assert OutboxEvent.objects.latest("id").payload["changed"] == ["customer.marketing_paused_until"]
    marketing_resume(customer_id=customer.pk, context=as_customer(user))
    customer.refresh_from_db()
    assert customer.marketing_paused_until is None
    assert ConsentEvent.objects.latest("id").new_value is None


@pytest.mark.parametrize("months", [0, 2, 12, -1, True, "3", None])
def test_a_pause_of_another_length_is_refused(customer_user, months):
    user, customer = customer_user
    with pytest.raises(PreferenceError):
        marketing_pause(customer_id=customer.pk, months=months, context=as_customer(user), now=timezone.now())
    customer.refresh_from_db()
    assert customer.marketing_paused_until is None


def test_a_pause_set_directly_is_bounded_and_needs_a_time_zone(customer_user):
    user, customer = customer_user
    for value in ["2026-09-01T00:00:00", "soon", (timezone.now() + timedelta(days=400)).isoformat(), 12]:
        with pytest.raises(PreferenceError):
            preferences_change(customer_id=customer.pk, changes={"customer.marketing_paused_until": value}, context=as_customer(user))


def test_the_api_document_says_until_when_marketing_is_paused(customer_user):
    user, customer = customer_user
    marketing_pause(customer_id=customer.pk, months=1, context=as_customer(user), now=timezone.now())
    body = document_representation(preference_document_get(customer_id=customer.pk), personal=False)
    assert body["settings"]["marketing_paused_until"] == preference_document_get(customer_id=customer.pk).customer.marketing_paused_until


def test_after_lifting_the_objection_the_choices_it_cleared_can_be_put_back(customer_user):
    user, customer = customer_user
    context = as_customer(user)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in", "subscription.surveys.email": "in"}, context=context)
    objection = preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": True}, context=context)
    assert marketing_choices_cleared(customer_id=customer.pk).keys == []  # nothing while it stands
    with pytest.raises(PreferenceError):
        marketing_choices_restore(customer_id=customer.pk, context=context)
    preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": False}, context=context)
    cleared = marketing_choices_cleared(customer_id=customer.pk)
    assert sorted(cleared.keys) == ["subscription.offers.email", "subscription.surveys.email"]
    restored = marketing_choices_restore(customer_id=customer.pk, context=context)
    document = restored.document
    assert document.subscriptions[("offers", "email")] == "in" and document.subscriptions[("surveys", "email")] == "in"
    assert {(e.reason_code, e.reason) for e in restored.events} == {("marketing_restore", str(cleared.objection_event_id))}
    assert objection.events[0].pk == cleared.objection_event_id
    assert marketing_choices_cleared(customer_id=customer.pk).keys == []  # nothing left to put back


# --- On the customer's pages ------------------------------------------------------------------------


def test_the_marketing_page_pauses_shows_the_end_and_resumes(customer_client, customer_user):
    _, customer = customer_user
    response = customer_client.post(reverse("preferences:marketing_pause"), {"months": "6"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    customer.refresh_from_db()
    assert customer.marketing_paused_until is not None
    assert "Marketing is paused until" in page and "Resume now" in page and 'action="/my/undo/"' in page
    customer_client.post(reverse("preferences:marketing_resume"))
    customer.refresh_from_db()
    assert customer.marketing_paused_until is None


def test_the_marketing_page_refuses_a_bad_duration_in_the_customer_s_language(customer_client, customer_user):
    response = customer_client.post(reverse("preferences:marketing_pause"), {"months": "2"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_lifting_the_objection_leads_to_the_offer_to_put_the_choices_back(customer_client, customer_user):
    _, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"},
                       context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(customer_user[0].pk)))
    customer_client.post(reverse("preferences:marketing_objection"), {"objection": "on", "confirm": "on"})
    lifted = customer_client.post(reverse("preferences:marketing_objection"), {"objection": "off"})
    assert lifted["Location"] == "/my/marketing/#restore"
    page = customer_client.get(reverse("preferences:marketing"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Put these choices back" in page
    customer_client.post(reverse("preferences:marketing_restore"))
    assert preference_document_get(customer_id=customer.pk).subscriptions[("offers", "email")] == "in"
