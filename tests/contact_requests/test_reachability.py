"""A request is a promise to get in touch: only on a channel the customer can be reached on."""

import re

import pytest
from django.test import Client

from contact_requests.models import ContactRequest
from contact_requests.reachability import reachable_channels
from contact_requests.services import ContactRequestUnreachable
from preferences.contact_points import contact_point_import
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from preferences.models import ContactPoint
from tests.conftest import PASSWORD
from tests.contact_requests.helpers import request_for
from tests.preferences.helpers import add_verified_phone, sms_code

pytestmark = pytest.mark.django_db
LIST_URL = "/my/requests/"
IMPORT = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT)


def _post(**overrides):
    data = {
        "topic": "",
        "reason": "Call me about my contract.",
        "preferred_channel": "phone",
        "preferred_time_slots": ["weekday_afternoon"],
        "language": "fr",
        "contested_decision": "",
    }
    data.update(overrides)
    return data


def test_reachable_channels_follow_usable_contact_points(customer_user):
    _, customer = customer_user
    assert reachable_channels(customer.contact_points.all()) == ["email", "video"]
    # An unverified number reaches nobody yet.
    contact_point_import(customer_id=customer.pk, kind=ContactPointKind.PHONE, value="+33145678901", context=IMPORT)
    assert reachable_channels(customer.contact_points.all()) == ["email", "video"]
    # A verified landline can be called, but messaging needs a mobile.
    contact_point_import(
        customer_id=customer.pk, kind=ContactPointKind.PHONE, value="+33155667788", verified=True, context=IMPORT
    )
    assert reachable_channels(customer.contact_points.all()) == ["phone", "email", "video"]
    add_verified_phone(customer, "+33612345678")
    assert reachable_channels(customer.contact_points.all()) == ["phone", "email", "video", "messaging"]


def test_the_service_refuses_a_call_to_a_customer_without_a_phone(customer_user):
    _, customer = customer_user
    with pytest.raises(ContactRequestUnreachable) as caught:
        request_for(customer, preferred_channel="phone")
    assert caught.value.channel == "phone" and caught.value.reachable == ["email", "video"]
    assert "preferred_channel" in caught.value.message_dict
    assert not ContactRequest.objects.exists()


def test_the_form_offers_only_reachable_channels_and_says_where_to_add_a_number(customer_client):
    body = customer_client.get(LIST_URL).content.decode()
    assert 'value="email"' in body and 'value="video"' in body
    assert 'name="preferred_channel" value="phone"' not in body
    assert 'id="unreachable-channels"' in body
    assert "/my/channels/?add=phone&amp;then=request#add-phone" in body
    assert "Pour être appelé, ajoutez et vérifiez un numéro de téléphone." in body
    channels = customer_client.get("/my/channels/?add=phone").content.decode()
    assert 'id="add-phone" open' in channels


def test_adding_and_verifying_a_number_from_the_request_form_leads_back_to_it(customer_client):
    """No dead end: the number added from the request form is verified, then the form comes back with
    the call chosen; the "then" word rides along each step and is never a URL to follow."""
    channels = customer_client.get("/my/channels/?add=phone&then=request").content.decode()
    assert 'id="back-to-request"' in channels
    assert channels.count('name="then" value="request"') == 3  # the three add forms (no contact point to verify)
    response = customer_client.post(
        "/my/channels/add/phone/", {"value": "06 12 34 56 78", "password": PASSWORD, "then": "request"}
    )
    point = ContactPoint.objects.get(kind="phone")
    assert response.status_code == 302
    assert response["Location"] == f"/my/channels/?then=request#contact-point-{point.pk}"
    page = customer_client.get("/my/channels/?then=request").content.decode()
    assert f'id="contact-point-{point.pk}"' in page and 'name="then" value="request"' in page
    wrong = customer_client.post(f"/my/channels/{point.pk}/verify/", {"code": "000000", "then": "request"})
    assert wrong.status_code == 400 and 'id="back-to-request"' in wrong.content.decode()
    response = customer_client.post(f"/my/channels/{point.pk}/verify/", {"code": sms_code(), "then": "request"})
    assert response["Location"] == "/my/requests/?channel=phone#new-request"
    form = customer_client.get(response["Location"]).content.decode()
    assert re.search(r'<input type="radio" name="preferred_channel" value="phone"[^>]* checked', form)


def test_verifying_without_the_request_word_stays_on_the_channels_page(customer_client):
    # A channel the customer cannot be reached on is never chosen from the address.
    form = customer_client.get("/my/requests/?channel=phone").content.decode()
    assert not re.search(r'<input type="radio" name="preferred_channel"[^>]* checked', form)
    customer_client.post("/my/channels/add/phone/", {"value": "06 12 34 56 78", "password": PASSWORD, "then": "https://evil.example"})
    point = ContactPoint.objects.get(kind="phone")
    response = customer_client.post(f"/my/channels/{point.pk}/verify/", {"code": sms_code(), "then": "//evil.example"})
    assert response["Location"] == "/my/channels/"


def test_the_form_refuses_an_unreachable_channel_in_the_customer_s_language(customer_client, customer_user):
    response = customer_client.post(LIST_URL, _post())
    assert response.status_code == 400
    assert "Pour être appelé, ajoutez et vérifiez un numéro de téléphone." in response.content.decode()
    assert not ContactRequest.objects.exists()


def test_the_form_in_english(client, customer_user):
    user, _customer = customer_user
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.post(LIST_URL, _post())
    assert response.status_code == 400
    assert "To be called, add and verify a phone number." in response.content.decode()


def test_once_the_number_is_verified_the_call_is_accepted(customer_client, customer_user):
    _, customer = customer_user
    add_verified_phone(customer, "+33612345678")
    assert 'name="preferred_channel" value="phone"' in customer_client.get(LIST_URL).content.decode()
    assert customer_client.post(LIST_URL, _post()).status_code == 302
    assert ContactRequest.objects.get().preferred_channel == "phone"


def test_the_agent_sees_the_number_to_call(agent, customer_user):
    _, customer = customer_user
    point = add_verified_phone(customer, "+33612345678")
    contact_request = request_for(customer, preferred_channel="phone")
    client = Client()
    client.force_login(agent)
    page = client.get(f"/support/requests/{contact_request.pk}/").content.decode()
    assert f'href="tel:{point.value}"' in page
    email_request = request_for(customer, preferred_channel="email")
    page = client.get(f"/support/requests/{email_request.pk}/").content.decode()
    assert 'href="mailto:camille@example.com"' in page
