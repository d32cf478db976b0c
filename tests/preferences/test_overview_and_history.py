"""The overview tells what holds marketing back (a pause, as well as an objection) and which choices wait
for the customer's confirmation; the history shows changes only, not settings that read the same
before and after."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.marketing import marketing_pause
from preferences.models import ConsentEvent
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


# --- The history ------------------------------------------------------------------------------------


def history(client, language: str = "en") -> str:
    return client.get(reverse("preferences:history"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def history_rows(page: str) -> list[str]:
    body = re.search(r"<tbody role=\"rowgroup\">(.*?)</tbody>", page, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr role=\"row\">(.*?)</tr>", body, re.S)]


def test_the_creation_records_every_setting_but_the_history_shows_only_what_it_set(customer_client, customer_user):
    _, customer = customer_user
    # The ledger keeps the whole initial state (the state is rebuilt from it), unset settings included.
    unset = ConsentEvent.objects.filter(customer=customer, old_value__isnull=True, new_value__isnull=True)
    assert "customer.marketing_paused_until" in set(unset.values_list("key", flat=True))
    rows = history_rows(history(customer_client))
    assert rows
    assert not any("Marketing paused until" in row for row in rows)
    assert not any("not paused not paused" in row or "default default" in row for row in rows)
    assert any("Language of our messages" in row for row in rows)  # what the creation did set is there
    rows = history_rows(history(customer_client, "fr"))
    assert not any("non en pause non en pause" in row for row in rows)


def test_a_change_that_reads_the_same_before_and_after_is_not_shown(customer_client, customer_user):
    user, customer = customer_user
    # Two pause ends a few seconds apart: a real change in the ledger, but the same day to read.
    first = marketing_pause(customer_id=customer.pk, months=3, context=as_customer(user), now=timezone.now())
    end = first.document.customer.marketing_paused_until
    preferences_change(
        customer_id=customer.pk,
        changes={"customer.marketing_paused_until": (end + timedelta(seconds=5)).isoformat()},
        context=API,
    )
    assert ConsentEvent.objects.filter(customer=customer, key="customer.marketing_paused_until").count() == 3
    rows = [row for row in history_rows(history(customer_client)) if "Marketing paused until" in row]
    assert len(rows) == 1 and "not paused" in rows[0]  # the pause itself; not the move by five seconds
