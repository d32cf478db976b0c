"""Undo: the inverse of a customer's latest change from the ledger, applied as a change of its own,
and its refusals (someone else's change, a change made by another actor, a stale undo)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outbox.models import OutboxEvent
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add, contact_point_remove
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, ContactPoint
from preferences.selectors import preference_document_get
from preferences.state import state_rebuild
from preferences.undo import UndoRefused, UndoStale, change_inverse, change_undo, latest_change_event_id
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db


def as_customer(user) -> ChangeContext:
    return ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(user.pk))


def change(customer, user, changes):
    return preferences_change(customer_id=customer.pk, changes=changes, context=as_customer(user))


def fresh(customer):
    customer.refresh_from_db()
    return customer


def ledger_matches_the_state(customer_id: int) -> bool:
    events = ConsentEvent.objects.filter(customer_id=customer_id).order_by("id").values_list("key", "new_value")
    return state_rebuild(events) == preference_document_get(customer_id=customer_id).state()


def test_an_undo_puts_back_every_value_the_change_replaced_as_a_change_of_its_own(customer_user):
    user, customer = customer_user
    before = preference_document_get(customer_id=customer.pk).state()
    result = change(customer, user, {"customer.ai_default": "human_only", "topic.offers.ai_level": "ai_allowed",
                                     "customer.quiet_hours_start": "22:00", "customer.quiet_hours_end": "07:00"})
    undone = change_undo(customer=fresh(customer), event_id=result.events[0].pk, context=as_customer(user))
    assert preference_document_get(customer_id=customer.pk).state() == before
    assert {event.key for event in undone} == {event.key for event in result.events}
    assert {(e.reason_code, e.reason, e.version) for e in undone} == {("undo", str(result.events[0].pk), result.events[0].version + 1)}
    assert ledger_matches_the_state(customer.pk)
    # Told to other systems as any change is.
    assert OutboxEvent.objects.filter(type="customer.preferences_changed").latest("id").payload["version"] == fresh(customer).version


def test_undoing_an_objection_to_marketing_puts_the_marketing_choices_back(customer_user):
    user, customer = customer_user
    change(customer, user, {"subscription.offers.email": "in", "subscription.newsletter.email": "in"})
    objection = change(customer, user, {"customer.marketing_objection": True})
    change_undo(customer=fresh(customer), event_id=objection.events[0].pk, context=as_customer(user))
    document = preference_document_get(customer_id=customer.pk)
    assert document.customer.marketing_objection is False
    assert document.subscriptions[("offers", "email")] == "in" and document.subscriptions[("newsletter", "email")] == "in"


def test_an_undo_of_an_undo_puts_the_change_back(customer_user):
    user, customer = customer_user
    first = change(customer, user, {"customer.ai_default": "human_only"})
    undo = change_undo(customer=fresh(customer), event_id=first.events[0].pk, context=as_customer(user))
    change_undo(customer=fresh(customer), event_id=undo[0].pk, context=as_customer(user))
    assert fresh(customer).ai_default == "human_only"


def test_a_stale_undo_is_refused_and_changes_nothing(customer_user):
    user, customer = customer_user
    older = change(customer, user, {"customer.ai_default": "human_only"})
    change(customer, user, {"customer.ai_default": "ai_allowed"})
    events_before = ConsentEvent.objects.count()
    with translation.override("en"), pytest.raises(UndoStale) as refused:
        change_undo(customer=fresh(customer), event_id=older.events[0].pk, context=as_customer(user))
    assert "latest change" in " ".join(refused.value.messages)
    assert fresh(customer).ai_default == "ai_allowed" and ConsentEvent.objects.count() == events_before


def test_a_stale_version_found_under_the_lock_is_refused_too(customer_user):
    """The customer object read before another change landed: the service checks again when applying."""
    user, customer = customer_user
    first = change(customer, user, {"customer.ai_default": "human_only"})
    stale_copy = fresh(customer)
    stale_copy.version = first.events[0].version
    change(customer, user, {"customer.assistance_mode": "human_first"})
    stale_copy.version = fresh(customer).version  # pretend it passed the first check
    with pytest.raises(UndoStale):
        change_undo(customer=stale_copy, event_id=first.events[0].pk, context=as_customer(user))


def test_someone_else_s_change_cannot_be_undone(customer_user, other_customer_user):
    user, customer = customer_user
    other_user, other = other_customer_user
    theirs = change(other, other_user, {"customer.ai_default": "human_only"})
    with pytest.raises(UndoRefused):
        change_undo(customer=fresh(customer), event_id=theirs.events[0].pk, context=as_customer(user))
    assert fresh(other).ai_default == "human_only"


def test_a_change_made_by_support_or_another_system_is_not_undone_by_the_customer(customer_user):
    user, customer = customer_user
    staff = ChangeContext(actor_type=ActorType.STAFF, source=Source.CONSOLE, actor_id="9", reason_code="call", reason="Asked by phone")
    by_staff = preferences_change(customer_id=customer.pk, changes={"customer.ai_default": "human_only"}, context=staff)
    with pytest.raises(UndoRefused):
        change_undo(customer=fresh(customer), event_id=by_staff.events[0].pk, context=as_customer(user))
    assert fresh(customer).ai_default == "human_only"


def test_an_unknown_event_is_refused(customer_user):
    user, customer = customer_user
    with pytest.raises(UndoRefused):
        change_undo(customer=customer, event_id=10**9, context=as_customer(user))


def test_undoing_an_added_contact_point_removes_it_and_a_removed_one_comes_back_verified(customer_user):
    user, customer = customer_user
    point = add_verified_phone(customer, "+33612345678")
    contact_point_remove(customer_id=customer.pk, contact_point_id=point.pk, context=as_customer(user))
    # The verification was the customer's own too, but the latest change is the removal.
    event_id = latest_change_event_id(customer_id=customer.pk)
    change_undo(customer=fresh(customer), event_id=event_id, context=as_customer(user))
    back = ContactPoint.objects.get(customer=customer, kind=ContactPointKind.PHONE)
    assert back.value == "+33612345678" and back.is_verified and back.phone_type == "mobile"
    assert ledger_matches_the_state(customer.pk)

    added = contact_point_add(customer_id=customer.pk, kind=ContactPointKind.EMAIL, value="new@example.com", context=as_customer(user))
    change_undo(customer=fresh(customer), event_id=latest_change_event_id(customer_id=customer.pk), context=as_customer(user))
    assert not ContactPoint.objects.filter(pk=added.pk).exists()


def test_inverse_of_events_is_pure_and_treats_a_pending_subscription_as_never_given():
    events = [
        ConsentEvent(key="subscription.offers.email", old_value="pending", new_value="in"),
        ConsentEvent(key="customer.weekly_marketing_cap", old_value=None, new_value=2),
        ConsentEvent(key="topic.billing.paper_copy", old_value=None, new_value=True),
    ]
    assert change_inverse(events).changes == {
        "subscription.offers.email": "out",
        "customer.weekly_marketing_cap": None,
        "topic.billing.paper_copy": None,
    }
    verification = ConsentEvent(key="contact_point.3", old_value={"verified": False, "value": "a@b.c"},
                                new_value={"verified": True, "value": "a@b.c"})
    with pytest.raises(UndoRefused):
        change_inverse([verification])
    with pytest.raises(UndoRefused):
        change_inverse([ConsentEvent(key="customer.erased", old_value=None, new_value=True)])


# --- On the customer's pages ------------------------------------------------------------------------


def test_a_confirmation_offers_the_undo_and_the_undo_works_without_javascript(customer_client, customer_user):
    _, customer = customer_user
    response = customer_client.post(reverse("preferences:ai"), {"ai_default": "human_only", "assistance_mode": "human_first"}, follow=True)
    page = response.content.decode()
    assert 'action="/my/undo/"' in page and 'name="csrfmiddlewaretoken"' in page
    event_id = latest_change_event_id(customer_id=customer.pk)
    assert f'name="event" value="{event_id}"' in page
    # The offer goes with its confirmation: the next page has none.
    assert 'action="/my/undo/"' not in customer_client.get(reverse("preferences:ai")).content.decode()
    undone = customer_client.post(reverse("preferences:undo"), {"event": event_id, "next": "/my/ai/"})
    assert undone.status_code == 302 and undone["Location"] == "/my/ai/"
    assert (fresh(customer).ai_default, customer.assistance_mode) == ("human_reviewed", "bot_ok")


def test_a_stale_undo_on_the_page_says_why(customer_client, customer_user):
    _, customer = customer_user
    customer_client.post(reverse("preferences:ai"), {"ai_default": "human_only", "assistance_mode": "bot_ok"})
    older = latest_change_event_id(customer_id=customer.pk)
    customer_client.post(reverse("preferences:ai"), {"ai_default": "ai_allowed", "assistance_mode": "bot_ok"})
    response = customer_client.post(reverse("preferences:undo"), {"event": older, "next": "https://evil.example/"},
                                    follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == "/my/"  # never sent off the site
    assert "only your latest change can be undone" in response.content.decode()
    assert fresh(customer).ai_default == "ai_allowed"


def test_an_undo_needs_the_csrf_token(customer_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_user[0])
    assert client.post(reverse("preferences:undo"), {"event": 1}).status_code == 403
