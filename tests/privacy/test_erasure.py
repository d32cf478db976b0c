"""Delete my account: nothing personal remains, the ledger is pseudonymised, a re-import stays out of marketing."""

import pytest
from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.db.utils import DatabaseError

from accounts.models import User
from contact_requests.models import ContactRequest, ContactRequestEvent
from contact_requests.services import contact_request_mark_unreachable
from links.models import OneClickLink
from links.services import unsubscribe_link_get_or_create
from notifications.models import OutboundMessage
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.customers import customer_upsert
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, ContactPoint, Customer, SuppressionEntry, VerificationChallenge
from preferences.state import PreferenceError
from privacy.models import Erasure
from privacy.services import customer_erase
from tests.conftest import PASSWORD
from tests.contact_requests.helpers import request_for, staff_actor
from tests.preferences.helpers import add_verified_phone

pytestmark = pytest.mark.django_db

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
IMPORT = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.IMPORT, actor_id="3")
EMAIL, PHONE, NAME = "camille@example.com", "+33612345678", "Camille"
PERSONAL = (EMAIL, PHONE, NAME, "Martin", "1 rue de la Paix", "my bill", "Mozilla/5.0", "198.51.100", "CRM-9")


@pytest.fixture
def rich_customer(customer_user, agent):
    """A customer with everything personal a customer can leave behind."""
    user, customer = customer_user
    Customer.objects.filter(pk=customer.pk).update(first_name=NAME, last_name="Martin", external_id="CRM-9")
    context = ChangeContext(
        actor_type=ActorType.CUSTOMER, source=Source.PORTAL, ip_truncated="198.51.100.0/24", user_agent="Mozilla/5.0"
    )
    add_verified_phone(customer, "06 12 34 56 78")
    contact_point_add(customer_id=customer.pk, kind=ContactPointKind.POSTAL, value="1 rue de la Paix\n75002 Paris", context=context)
    contact_point_add(customer_id=customer.pk, kind=ContactPointKind.EMAIL, value="camille.pro@example.com", context=context)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=context)
    request = request_for(customer, reason="About my bill, Camille Martin", contested_decision="Camille's credit refusal")
    contact_request_mark_unreachable(contact_request_id=request.pk, actor=staff_actor(agent), note="Called Camille, no answer")
    unsubscribe_link_get_or_create(customer=customer, topic=None)
    return user, customer


def personal_traces() -> list[str]:
    """Every row of every table that holds personal data, searched for the person's data."""
    rows = [
        *User.objects.values_list("email", "first_name", "last_name"),
        *EmailAddress.objects.values_list("email"),
        *Customer.objects.values_list("first_name", "last_name", "external_id"),
        *ContactPoint.objects.values_list("value"),
        *VerificationChallenge.objects.values_list("contact_point__value"),
        *ConsentEvent.objects.values_list("old_value", "new_value", "reason", "evidence", "ip_truncated", "user_agent"),
        *ContactRequest.objects.values_list("reason", "contested_decision", "outcome"),
        *ContactRequestEvent.objects.values_list("note"),
        *OutboundMessage.objects.values_list("to", "subject", "body", "html_body"),
    ]
    text = "\n".join(str(value) for row in rows for value in row)
    return [needle for needle in PERSONAL if needle.lower() in text.lower()]


def test_after_erasure_nothing_personal_remains(rich_customer, customer_client):
    user, customer = rich_customer
    assert set(personal_traces()) >= {EMAIL, PHONE, NAME, "1 rue de la Paix", "Mozilla/5.0"}  # the test sees them
    events_before = ConsentEvent.objects.filter(customer=customer).count()
    response = customer_client.post("/my/privacy/delete/", {"password": PASSWORD, "confirmation": " delete "})
    assert response.status_code == 200
    assert personal_traces() == []
    customer.refresh_from_db()
    user.refresh_from_db()
    assert customer.erased_at is not None and customer.external_id is None
    assert not user.is_active and not user.has_usable_password() and user.email.endswith("@erased.invalid")
    assert not OneClickLink.objects.exists()
    # The ledger keeps what happened, without the personal values, and says that the data was erased.
    assert ConsentEvent.objects.filter(customer=customer).count() == events_before + 1
    last = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (last.key, last.new_value, last.actor_type, last.source) == ("customer.erased", True, "customer", "portal")
    offers = ConsentEvent.objects.filter(customer=customer, key="subscription.offers.email").latest("id")
    assert (offers.old_value, offers.new_value, offers.actor_type) == ("out", "in", "customer")
    assert Erasure.objects.get(customer=customer).requested_by_type == "customer"
    outbox = pytest.importorskip("outbox.models")
    erased = outbox.OutboxEvent.objects.get(type="customer.erased")
    assert erased.payload["customer_id"] == customer.pk and erased.payload["external_id"] == "CRM-9"
    assert SuppressionEntry.objects.count() == 3  # two email addresses and the phone, as keyed hashes
    # Signed out, and the account no longer works.
    assert customer_client.get("/my/").status_code == 302
    assert not customer_client.login(email=EMAIL, password=PASSWORD)


def test_a_reimport_of_the_same_email_does_not_resubscribe_to_marketing(rich_customer):
    _, customer = rich_customer
    customer_erase(customer_id=customer.pk, requested_by_type="customer")
    again, created = customer_upsert(context=IMPORT, external_id="CRM-9", email=EMAIL.upper(), email_verified=True)
    assert created and again.pk != customer.pk
    again.refresh_from_db()
    assert again.marketing_objection is True
    event = ConsentEvent.objects.filter(customer=again, key="customer.marketing_objection").latest("id")
    assert (event.new_value, event.actor_type, event.reason_code) == (True, "system", "suppression_list")
    with pytest.raises(PreferenceError):
        preferences_change(customer_id=again.pk, changes={"subscription.offers.email": "in"}, context=IMPORT)
    # The phone number is suppressed too, when another customer record brings it in.
    other, _created = customer_upsert(context=IMPORT, external_id="CRM-10", phone="06 12 34 56 78")
    other.refresh_from_db()
    assert other.marketing_objection is True
    # Someone else's address is not affected.
    stranger, _created = customer_upsert(context=IMPORT, external_id="CRM-11", email="someone@example.com")
    stranger.refresh_from_db()
    assert stranger.marketing_objection is False


def test_deletion_needs_the_password_and_the_typed_word(customer_client, customer_user):
    _, customer = customer_user
    assert customer_client.post("/my/privacy/delete/", {"password": "wrong", "confirmation": "DELETE"}).status_code == 400
    assert customer_client.post("/my/privacy/delete/", {"password": PASSWORD, "confirmation": "yes"}).status_code == 400
    customer.refresh_from_db()
    assert customer.erased_at is None


def test_an_erased_customer_cannot_be_changed_or_erased_again(rich_customer):
    _, customer = rich_customer
    customer_erase(customer_id=customer.pk, requested_by_type="customer")
    with pytest.raises(PreferenceError):
        preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=CUSTOMER)
    with pytest.raises(PreferenceError):
        customer_erase(customer_id=customer.pk, requested_by_type="customer")


def test_a_supervisor_erases_with_a_reason_and_an_agent_cannot(agent_client, supervisor_client, rich_customer):
    _, customer = rich_customer
    url = f"/support/customers/{customer.pk}/privacy/erase/"
    # Erasure cannot be undone: an agent is refused; their page only offers to ask a supervisor (four eyes).
    assert agent_client.post(url, {"reason": "Asked by letter, ref. 77", "confirmation": "DELETE"}).status_code == 403
    agent_page = agent_client.get(f"/support/customers/{customer.pk}/privacy/").content.decode()
    assert f'action="{url}"' not in agent_page and 'id="approval-request"' in agent_page
    assert not Erasure.objects.exists()
    assert 'id="data-rights"' in supervisor_client.get(f"/support/customers/{customer.pk}/").content.decode()
    assert supervisor_client.post(url, {"reason": "", "confirmation": "DELETE"}).status_code == 400
    response = supervisor_client.post(url, {"reason": "Asked by letter, ref. 77", "confirmation": "DELETE"})
    assert response.status_code == 302
    erasure = Erasure.objects.get(customer=customer)
    assert (erasure.requested_by_type, erasure.reason) == ("staff", "Asked by letter, ref. 77")
    assert personal_traces() == []
    assert supervisor_client.get(f"/support/customers/{customer.pk}/").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only")
def test_postgresql_lets_only_an_erasure_remove_personal_values(rich_customer):
    _, customer = rich_customer
    point_event = ConsentEvent.objects.filter(customer=customer, key__startswith="contact_point.").first()
    other_event = ConsentEvent.objects.filter(customer=customer, key="subscription.offers.email").first()
    refused = [
        ("UPDATE preferences_consentevent SET new_value = NULL WHERE id = %s", point_event.pk, False),
        ("UPDATE preferences_consentevent SET user_agent = '' WHERE id = %s", other_event.pk, False),
        # Even inside an erasure: what changed cannot be altered, nor a preference value removed.
        ("UPDATE preferences_consentevent SET key = 'x' WHERE id = %s", point_event.pk, True),
        ("UPDATE preferences_consentevent SET new_value = NULL WHERE id = %s", other_event.pk, True),
        ("UPDATE preferences_consentevent SET reason = 'tampered' WHERE id = %s", other_event.pk, True),
        ("DELETE FROM preferences_consentevent WHERE id = %s", other_event.pk, True),
    ]
    for statement, event_id, in_erasure in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            if in_erasure:
                cursor.execute("SET LOCAL portal.erasure = 'on'")
            cursor.execute(statement, [event_id])
    customer_erase(customer_id=customer.pk, requested_by_type="customer")
    point_event.refresh_from_db()
    assert point_event.new_value is None and point_event.user_agent == ""
    # The erasure switches its setting off again as soon as the ledger is pseudonymised.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE preferences_consentevent SET ip_truncated = '' WHERE id = %s", [other_event.pk])
