"""The overview tells what holds marketing back (a pause, as well as an objection) and which choices wait
for the customer's confirmation."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.marketing import marketing_pause
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

API = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")


def as_customer(user) -> ChangeContext:
    return ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(user.pk))


def overview(client, language: str) -> str:
    return client.get(reverse("preferences:overview"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def topic_row(page: str, name: str) -> str:
    """The overview's row of one topic, its tags removed and its spaces folded."""
    row = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', page, re.S).group(1)
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", row)).strip()  # no-break spaces kept


@pytest.mark.parametrize(
    ("language", "offers", "paused", "lift"),
    [
        ("fr", "Offres et promotions", "SMS en pause jusqu’au", "Lever la pause"),
        ("en", "Offers and promotions", "SMS paused until", "Lift the pause"),
    ],
)
def test_the_overview_shows_a_pause_and_its_marketing_channels_as_paused(
    customer_client, customer_user, language, offers, paused, lift
):
    user, customer = customer_user
    add_verified_phone(customer, "+33612345678")
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.sms": "in"}, context=as_customer(user))
    page = overview(customer_client, language)
    assert "SMS" in topic_row(page, offers) and "paus" not in topic_row(page, offers)
    assert 'id="marketing-paused"' not in page

    # The page's own form, as the QA review did it: /my/marketing/ → "Mettre la prospection en pause".
    customer_client.post(reverse("preferences:marketing_pause"), {"months": "1"})
    page = overview(customer_client, language)
    assert paused in topic_row(page, offers)
    notice = re.search(r'<p id="marketing-paused">(.*?)</p>', page, re.S).group(1)
    end = re.search(r"(?:jusqu’au|until) ([^<.]+)\.", notice).group(1)
    assert end in topic_row(page, offers)  # the same day, in the row and in the notice
    assert f'href="{reverse("preferences:marketing")}#pause-title">{lift}</a>' in notice
    # Topics other than marketing are not paused.
    assert "paus" not in topic_row(page, "Sécurité du compte" if language == "fr" else "Account security")


def test_an_objection_is_shown_rather_than_a_pause_and_a_pause_ended_is_not(customer_client, customer_user):
    user, customer = customer_user
    marketing_pause(customer_id=customer.pk, months=1, context=as_customer(user), now=timezone.now())
    preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": True}, context=as_customer(user))
    page = overview(customer_client, "en")
    assert "You object to all marketing." in page and 'id="marketing-paused"' not in page
    assert "paused until" not in page

    preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": False}, context=as_customer(user))
    # A pause whose end has passed holds nothing back (the contact plan's own rule).
    customer.marketing_paused_until = timezone.now() - timedelta(minutes=1)
    customer.save(update_fields=["marketing_paused_until"])
    page = overview(customer_client, "en")
    assert 'id="marketing-paused"' not in page and "paused until" not in page


@pytest.mark.parametrize(
    ("language", "offers", "pending", "nothing"),
    [
        ("fr", "Offres et promotions", "E-mail\u00a0: en attente de votre confirmation", "rien"),
        ("en", "Offers and promotions", "Email: waiting for your confirmation", "nothing"),
    ],
)
def test_the_overview_shows_a_subscription_waiting_for_the_customers_confirmation(
    customer_client, customer_user, language, offers, pending, nothing
):
    _, customer = customer_user
    assert topic_row(overview(customer_client, language), offers).startswith(nothing)
    # An integrator's opt-in to marketing waits for the customer (double opt-in).
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=API)
    row = topic_row(overview(customer_client, language), offers)
    assert pending in row
    assert not row.startswith(nothing)


def test_a_confirmed_channel_and_a_pending_one_show_side_by_side(customer_client, customer_user):
    user, customer = customer_user
    add_verified_phone(customer, "+33612345678")
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.sms": "in"}, context=as_customer(user))
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=API)
    row = topic_row(overview(customer_client, "en"), "Offers and promotions")
    assert row.startswith("SMS") and "Email: waiting for your confirmation" in row

