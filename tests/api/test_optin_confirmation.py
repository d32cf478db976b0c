"""Double opt-in from the API: the answer says whether a confirmation was sent, how, or why not; a
customer with a verified mobile and no verified email confirms by an SMS link."""

import re

from django.test import Client

from links.models import LinkPurpose, OneClickLink
from notifications.models import OutboundMessage
from preferences.models import ConsentEvent, Subscription
from tests.api.conftest import assert_problem, make_api_customer

DETAIL = "/api/v1/customers/{}"
MOBILE = "+33612345678"
LANDLINE = "+33142868200"


def _patch(api, customer, changes: dict):
    customer.refresh_from_db()
    return api.patch(DETAIL.format(customer.pk), {"changes": changes}, headers={"If-Match": f'"{customer.version}"'})


def _status(customer, topic: str, channel: str) -> str | None:
    row = Subscription.objects.filter(customer=customer, topic__code=topic, channel=channel).first()
    return row.status if row else None


def test_an_sms_opt_in_without_a_verified_email_is_confirmed_by_an_sms_link(api):
    customer = make_api_customer(email="", phone=MOBILE, phone_verified=True)
    response = _patch(api, customer, {"subscription.offers.sms": "in"})
    assert response.status_code == 200, response.content
    assert response.json()["confirmations"] == [
        {"topic": "offers", "channel": "sms", "status": "pending", "sent": True, "via": "sms", "reason": None}
    ]
    assert _status(customer, "offers", "sms") == "pending"
    # The existing confirmation link, sent by SMS through the outbox, in the customer's language (en).
    message = OutboundMessage.objects.get(channel="sms")
    assert message.to == MOBILE and "confirm" in message.body
    assert not OutboundMessage.objects.filter(channel="email").exists()
    link = OneClickLink.objects.get(purpose=LinkPurpose.CONFIRM, customer=customer)
    assert (link.topic.code, link.channel) == ("offers", "sms")
    assert "/unsubscribe/" not in message.body
    path = re.search(r"https?://[^/\s]+(/confirm/\S+/)", message.body).group(1)
    mail_client = Client(enforce_csrf_checks=True)
    assert mail_client.get(path).status_code == 200 and _status(customer, "offers", "sms") == "pending"
    assert mail_client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded").status_code == 200
    assert _status(customer, "offers", "sms") == "in"
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (event.key, event.old_value, event.new_value, event.actor_type) == ("subscription.offers.sms", "pending", "in", "link")


def test_a_verified_email_is_preferred_for_the_confirmation(api):
    customer = make_api_customer(phone=MOBILE, phone_verified=True)
    response = _patch(api, customer, {"subscription.offers.sms": "in", "subscription.offers.email": "in"})
    assert response.status_code == 200, response.content
    confirmations = response.json()["confirmations"]
    assert {(c["channel"], c["sent"], c["via"], c["reason"]) for c in confirmations} == {
        ("sms", True, "email", None),
        ("email", True, "email", None),
    }
    assert OutboundMessage.objects.filter(channel="email").count() == 1
    assert not OutboundMessage.objects.filter(channel="sms").exists()


def test_an_opt_in_nobody_can_confirm_says_so(api):
    # A verified landline: marketing calls can be chosen, but no confirmation can reach the customer.
    customer = make_api_customer(email="", phone=LANDLINE, phone_verified=True)
    response = _patch(api, customer, {"subscription.offers.phone": "in", "customer.easy_read": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["confirmations"] == [
        {
            "topic": "offers",
            "channel": "phone",
            "status": "pending",
            "sent": False,
            "via": None,
            "reason": "no_verified_contact_point",
        }
    ]
    offers = next(topic for topic in body["topics"] if topic["code"] == "offers")
    assert {"channel": "phone", "status": "pending"} in offers["subscriptions"]
    assert not OutboundMessage.objects.exists()
    assert not OneClickLink.objects.filter(purpose=LinkPurpose.CONFIRM).exists()


def test_a_change_that_leaves_nothing_pending_has_no_confirmations(api, customer):
    response = _patch(api, customer, {"customer.easy_read": True, "subscription.offers.email": "out"})
    assert response.status_code == 200, response.content
    assert response.json()["confirmations"] == []
    # An opt-in already pending is not asked again: nothing new is pending after this change.
    assert _patch(api, customer, {"subscription.offers.email": "in"}).json()["confirmations"][0]["sent"] is True
    assert _patch(api, customer, {"subscription.offers.email": "in"}).json()["confirmations"] == []
    assert OutboundMessage.objects.filter(channel="email").count() == 1


def test_refusals_send_nothing(api):
    customer = make_api_customer(email="", phone=LANDLINE, phone_verified=True)
    # SMS needs a verified mobile: refused before anything is pending or sent.
    body = assert_problem(_patch(api, customer, {"subscription.offers.sms": "in"}), 400)
    assert "subscription.offers.sms" in body["errors"]
    # A stale version is refused as well.
    response = api.patch(
        DETAIL.format(customer.pk), {"changes": {"subscription.offers.phone": "in"}}, headers={"If-Match": '"99"'}
    )
    assert_problem(response, 412)
    assert not Subscription.objects.filter(customer=customer).exists()
    assert not OutboundMessage.objects.exists()


def test_the_schema_describes_confirmations(api):
    schema = api.get("/api/schema/", format="json").json()
    component = schema["components"]["schemas"]["OptinConfirmationOut"]
    assert set(component["properties"]) == {"topic", "channel", "status", "sent", "via", "reason"}
    change = schema["paths"]["/api/v1/customers/{customer_id}"]["patch"]["responses"]["200"]
    assert change["content"]["application/json"]["schema"]["$ref"].endswith("/PreferencesChangeOut")


def test_a_verified_mobile_is_preferred_to_an_unverified_sign_in_address(db):
    from accounts.models import User
    from preferences.changes import preferences_change
    from preferences.contact_points import contact_point_import
    from preferences.customers import customer_create
    from preferences.domain import ActorType, Source
    from preferences.ledger import ChangeContext

    portal = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
    api_context = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="1")
    user = User.objects.create_user(email="new@example.com", password="correct-horse-battery-9")
    customer = customer_create(user=user, email=user.email, context=portal)
    contact_point_import(customer_id=customer.pk, kind="app", value="install-42", context=portal, verified=True)
    changed = preferences_change(
        customer_id=customer.pk, changes={"subscription.offers.app": "in"}, context=api_context
    )
    # Without a verified mobile, the sign-in address (the person's own) still gets the link.
    assert [(c.sent, c.via) for c in changed.confirmations] == [(True, "email")]
    contact_point_import(customer_id=customer.pk, kind="phone", value="+33612345678", context=portal, verified=True)
    changed = preferences_change(
        customer_id=customer.pk, changes={"subscription.surveys.sms": "in"}, context=api_context
    )
    assert [(c.channel, c.sent, c.via) for c in changed.confirmations] == [("sms", True, "sms")]
    assert OutboundMessage.objects.filter(channel="sms", to="+33612345678").count() == 1
