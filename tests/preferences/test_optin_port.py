"""The double opt-in rule is the core's; the confirmation is sent through the sender a feature
registers (links, at start-up). Without one, a change that needs a confirmation fails loudly."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from links.services import optin_confirmation_request
from preferences import optin
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from tests.conftest import make_customer_user

pytestmark = pytest.mark.django_db
API = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")


def test_links_registers_its_sender_when_django_starts():
    assert optin._sender is optin_confirmation_request


def test_without_a_sender_a_change_needing_a_confirmation_fails_and_writes_nothing(monkeypatch):
    _user, customer = make_customer_user("solo@example.com")
    before = ConsentEvent.objects.count()
    monkeypatch.setattr(optin, "_sender", None)
    with pytest.raises(ImproperlyConfigured, match="confirmation sender"):
        preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=API)
    assert ConsentEvent.objects.count() == before
