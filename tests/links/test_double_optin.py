"""Double opt-in: a marketing opt-in that does not come from the customer waits for their confirmation."""

import re

import pytest

from links.models import LinkPurpose, OneClickLink
from notifications.models import OutboundMessage
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.contact_plan import contact_plan_decide
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, Subscription
from preferences.selectors import preference_document_get
from preferences.state import state_rebuild

pytestmark = pytest.mark.django_db

API = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")
CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


def offers_email(customer) -> str | None:
    row = Subscription.objects.filter(customer=customer, topic__code="offers", channel="email").first()
    return row.status if row else None


def confirmation_path() -> str:
    """The path of the link in the latest confirmation email: under /confirm/, not /unsubscribe/."""
    body = OutboundMessage.objects.filter(channel="email").latest("id").body
    assert "/unsubscribe/" not in body
    return re.search(r"https?://[^/\s]+(/confirm/[^\s]+/)", body).group(1)


def test_an_api_opt_in_is_pending_until_the_customer_confirms(customer_user, mail_client):
    _, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=API)
    assert offers_email(customer) == "pending"
    document = preference_document_get(customer_id=customer.pk)
    plan = contact_plan_decide(
        document=document, topic=catalog_get().topics_by_code["offers"], ai_generated=False, at=customer.created_at
    )
    assert not plan.allowed and plan.reasons == ["pending_confirmation"]
    # The confirmation email went to the verified address, with a one-click link.
    message = OutboundMessage.objects.filter(channel="email").latest("id")
    assert message.to == "camille@example.com"
    path = confirmation_path()
    link = OneClickLink.objects.get(purpose=LinkPurpose.CONFIRM)
    # GET (a mail scanner) confirms nothing.
    assert mail_client.get(path).status_code == 200
    assert offers_email(customer) == "pending"
    # The button (a POST, no cookie, no CSRF token) confirms.
    assert mail_client.post(path, ONE_CLICK, content_type=FORM).status_code == 200
    assert offers_email(customer) == "in"
    event = ConsentEvent.objects.latest("id")
    assert (event.key, event.old_value, event.new_value) == ("subscription.offers.email", "pending", "in")
    assert (event.actor_type, event.source, event.actor_id) == ("link", "link", str(link.pk))
    # The ledger still rebuilds the stored state.
    events = ConsentEvent.objects.filter(customer=customer).order_by("id").values_list("key", "new_value")
    assert state_rebuild(events) == preference_document_get(customer_id=customer.pk).state()


def test_the_customer_in_the_portal_needs_no_confirmation(customer_user):
    _, customer = customer_user
    sent = OutboundMessage.objects.count()
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    assert offers_email(customer) == "in"
    assert OutboundMessage.objects.count() == sent


def test_service_topics_and_opt_outs_are_not_held(customer_user):
    _, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "out"}, context=API)
    assert offers_email(customer) == "out"
    # An opt-in that already holds stays "in" when another system repeats it.
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=API)
    assert offers_email(customer) == "in"


def test_a_confirmation_after_the_customer_opted_out_changes_nothing(customer_user, mail_client):
    _, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=API)
    path = confirmation_path()
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "out"}, context=CUSTOMER)
    response = mail_client.post(path, ONE_CLICK, content_type=FORM)
    assert response.status_code == 409
    assert offers_email(customer) == "out"
