"""The preference services: rules, all-or-nothing changes, the ledger and its rebuild."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import translation

from common.request_origin import ip_truncate
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add, contact_point_remove, contact_point_verify
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext, StaleVersion
from preferences.models import ConsentEvent, Customer, Subscription
from preferences.selectors import preference_document_get
from preferences.state import PreferenceError, state_rebuild
from tests.preferences.helpers import add_verified_phone, sms_code

pytestmark = pytest.mark.django_db

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id="1")


def ledger_state(customer_id: int) -> dict:
    events = ConsentEvent.objects.filter(customer_id=customer_id).order_by("id").values_list("key", "new_value")
    return state_rebuild(events)


def test_a_change_writes_the_state_and_one_event_per_changed_key(customer_user):
    _, customer = customer_user
    before = ConsentEvent.objects.count()
    preferences_change(
        customer_id=customer.pk,
        changes={"topic.offers.ai_level": "human_only", "customer.ai_default": "human_reviewed"},  # 2nd is unchanged
        context=CUSTOMER,
    )
    customer.refresh_from_db()
    assert customer.topic_settings == {"offers": {"ai_level": "human_only"}}
    event = ConsentEvent.objects.latest("id")
    assert ConsentEvent.objects.count() == before + 1
    assert (event.key, event.old_value, event.new_value) == ("topic.offers.ai_level", None, "human_only")
    assert event.privacy_notice_version == 1 and event.ai_statement_version == 1


def test_version_increases_on_change_and_stale_versions_are_refused(customer_user):
    _, customer = customer_user
    version = Customer.objects.get(pk=customer.pk).version
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=CUSTOMER)
    assert Customer.objects.get(pk=customer.pk).version == version + 1
    with pytest.raises(StaleVersion):
        preferences_change(
            customer_id=customer.pk, changes={"customer.easy_read": False}, context=CUSTOMER, expected_version=version
        )
    assert Customer.objects.get(pk=customer.pk).easy_read is True


def test_switching_a_channel_on_needs_a_usable_contact_point(customer_user):
    _, customer = customer_user
    with pytest.raises(PreferenceError) as error:
        preferences_change(customer_id=customer.pk, changes={"subscription.service.sms": "in"}, context=CUSTOMER)
    assert "mobile" in str(error.value)
    add_verified_phone(customer, "06 12 34 56 78")
    preferences_change(customer_id=customer.pk, changes={"subscription.service.sms": "in"}, context=CUSTOMER)
    assert Subscription.objects.get(customer=customer, topic__code="service", channel="sms").status == "in"


def test_a_landline_cannot_receive_sms(customer_user):
    _, customer = customer_user
    add_verified_phone(customer, "01 42 68 53 00")
    with pytest.raises(PreferenceError):
        preferences_change(customer_id=customer.pk, changes={"subscription.service.sms": "in"}, context=CUSTOMER)
    preferences_change(customer_id=customer.pk, changes={"subscription.service.phone": "in"}, context=CUSTOMER)


def test_a_critical_topic_keeps_at_least_one_channel(customer_user):
    _, customer = customer_user
    with pytest.raises(PreferenceError) as error:
        preferences_change(customer_id=customer.pk, changes={"subscription.security.email": "out"}, context=CUSTOMER)
    assert "topic.security" in error.value.message_dict


def test_a_rejected_change_changes_nothing(customer_user):
    _, customer = customer_user
    events_before = ConsentEvent.objects.count()
    with pytest.raises(PreferenceError):
        preferences_change(
            customer_id=customer.pk,
            changes={"customer.easy_read": True, "customer.time_zone": "Mars/Olympus_Mons"},
            context=CUSTOMER,
        )
    customer.refresh_from_db()
    assert customer.easy_read is False
    assert ConsentEvent.objects.count() == events_before


@pytest.mark.parametrize(
    "changes",
    [
        {"customer.language": "de"},
        {"customer.weekly_marketing_cap": 3},
        {"customer.channel_ranking": ["email", "email"]},
        {"customer.quiet_hours_start": "25:00"},
        {"customer.nope": 1},
        {"subscription.security.messaging": "in"},  # not an allowed channel of that topic
        {"subscription.offers.email": "maybe"},
        {"topic.unknown.ai_level": "human_only"},
        {"customer.large_print": "yes"},
    ],
)
def test_bad_values_are_refused_with_a_message(customer_user, changes):
    _, customer = customer_user
    with pytest.raises(PreferenceError) as error:
        preferences_change(customer_id=customer.pk, changes=changes, context=CUSTOMER)
    assert error.value.message_dict


def test_marketing_objection_turns_every_marketing_topic_off_and_blocks_opt_ins(customer_user):
    _, customer = customer_user
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    preferences_change(customer_id=customer.pk, changes={"customer.marketing_objection": True}, context=CUSTOMER)
    document = preference_document_get(customer_id=customer.pk)
    offers = document.catalog.topics_by_code["offers"]
    assert document.subscription_status(offers, "email") == "out"
    with pytest.raises(PreferenceError):
        preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)


def test_paper_copy_needs_a_postal_address(customer_user):
    _, customer = customer_user
    with pytest.raises(PreferenceError):
        preferences_change(customer_id=customer.pk, changes={"topic.billing.paper_copy": True}, context=CUSTOMER)
    contact_point_add(
        customer_id=customer.pk, kind=ContactPointKind.POSTAL, value="1 rue de la Paix\n75002 Paris", context=CUSTOMER
    )
    preferences_change(customer_id=customer.pk, changes={"topic.billing.paper_copy": True}, context=CUSTOMER)


def test_staff_changes_need_a_reason(customer_user):
    _, customer = customer_user
    staff = ChangeContext(actor_type=ActorType.STAFF, source=Source.CONSOLE, actor_id="9")
    with pytest.raises(PreferenceError):
        preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=staff)
    staff = ChangeContext(
        actor_type=ActorType.STAFF, source=Source.CONSOLE, actor_id="9", reason_code="phone_request",
        reason="Asked on the phone", evidence="call-2026-11-27-0042",
    )
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=staff)
    event = ConsentEvent.objects.latest("id")
    assert (event.actor_type, event.reason_code, event.evidence) == ("staff", "phone_request", "call-2026-11-27-0042")


def test_phone_verification_by_code(customer_user):
    _, customer = customer_user
    point = contact_point_add(customer_id=customer.pk, kind=ContactPointKind.PHONE, value="+33 6 12 34 56 78", context=CUSTOMER)
    assert point.value == "+33612345678" and point.phone_type == "mobile"
    with pytest.raises(PreferenceError):
        contact_point_verify(customer_id=customer.pk, contact_point_id=point.pk, code="000000", context=CUSTOMER)
    contact_point_verify(customer_id=customer.pk, contact_point_id=point.pk, code=sms_code(), context=CUSTOMER)
    point.refresh_from_db()
    assert point.verified_at is not None


def test_wrong_codes_are_counted_and_limited(customer_user):
    _, customer = customer_user
    point = contact_point_add(customer_id=customer.pk, kind=ContactPointKind.PHONE, value="0612345678", context=CUSTOMER)
    right = sms_code()
    for _ in range(5):
        with pytest.raises(PreferenceError):
            contact_point_verify(customer_id=customer.pk, contact_point_id=point.pk, code="999999", context=CUSTOMER)
    with pytest.raises(PreferenceError) as error:
        contact_point_verify(customer_id=customer.pk, contact_point_id=point.pk, code=right, context=CUSTOMER)
    assert "Too many" in str(error.value) or "Trop" in str(error.value)


@pytest.mark.parametrize("value", ["12", "06 12", "not a number", "+33 1"])
def test_invalid_phone_numbers_are_refused(customer_user, value):
    _, customer = customer_user
    with pytest.raises(PreferenceError):
        contact_point_add(customer_id=customer.pk, kind=ContactPointKind.PHONE, value=value, context=CUSTOMER)


def test_the_sign_in_email_cannot_be_removed(customer_user):
    user, customer = customer_user
    document = preference_document_get(customer_id=customer.pk)
    with pytest.raises(PreferenceError):
        contact_point_remove(customer_id=customer.pk, contact_point_id=document.contact_points[0].pk, context=CUSTOMER)


def test_the_stored_state_can_be_rebuilt_from_the_ledger(customer_user):
    _, customer = customer_user
    phone = add_verified_phone(customer, "0612345678")
    postal = contact_point_add(
        customer_id=customer.pk, kind=ContactPointKind.POSTAL, value="1 rue de la Paix\n75002 Paris", context=CUSTOMER
    )
    for changes in [
        {"subscription.service.sms": "in", "topic.service.delivery_mode": "all"},
        {"topic.offers.ai_level": "human_only", "topic.billing.paper_copy": True},
        {"customer.channel_ranking": ["sms", "email", "postal", "phone", "messaging", "app"]},
        {"customer.quiet_hours_start": "21:00", "customer.quiet_hours_end": "08:00", "customer.time_zone": "America/Cayenne"},
        {"subscription.offers.email": "in"},
        {"customer.marketing_objection": True},
        {"topic.offers.ai_level": None},
    ]:
        preferences_change(customer_id=customer.pk, changes=changes, context=CUSTOMER)
    contact_point_remove(customer_id=customer.pk, contact_point_id=postal.pk, context=CUSTOMER)
    assert phone.pk
    assert ledger_state(customer.pk) == preference_document_get(customer_id=customer.pk).state()


def test_consent_events_cannot_be_updated_or_deleted_through_the_orm(customer_user):
    _, customer = customer_user
    event = ConsentEvent.objects.filter(customer=customer).first()
    event.reason = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        ConsentEvent.objects.filter(pk=event.pk).update(reason="tampered")
    with pytest.raises(TypeError):
        ConsentEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only")
def test_postgresql_refuses_updates_and_deletes_of_consent_events(customer_user):
    _, customer = customer_user
    event_id = ConsentEvent.objects.filter(customer=customer).values_list("id", flat=True).first()
    for statement in (
        "UPDATE preferences_consentevent SET reason = 'tampered' WHERE id = %s",
        "DELETE FROM preferences_consentevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event_id])
    # The test database switches the TRUNCATE guard off (see conftest); production keeps it on.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE preferences_consentevent ENABLE TRIGGER preferences_consentevent_no_truncate")
        cursor.execute("TRUNCATE preferences_consentevent CASCADE")


def test_the_document_loads_in_few_queries_whatever_the_number_of_topics(customer_user, django_assert_num_queries):
    _, customer = customer_user
    add_verified_phone(customer, "0612345678")
    preferences_change(
        customer_id=customer.pk,
        changes={f"subscription.{topic}.email": "in" for topic in ("offers", "newsletter", "surveys")},
        context=CUSTOMER,
    )
    preference_document_get(customer_id=customer.pk)  # warms the cached catalogue
    # The customer, then its subscriptions and contact points: in one query on PostgreSQL.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 3):
        document = preference_document_get(customer_id=customer.pk)
        document.state()
        document.usable_channels()


@pytest.mark.parametrize(
    ("address", "truncated"),
    [("192.168.10.77", "192.168.10.0/24"), ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"), ("junk", "")],
)
def test_ip_addresses_are_truncated(address, truncated):
    assert ip_truncate(address) == truncated


@pytest.mark.parametrize(
    "changes",
    [
        {"customer.quiet_hours_start": "08:00", "customer.quiet_hours_end": "08:00"},
        {"customer.quiet_hours_end": "21:00"},  # one end moved onto the other, the other left as it was
        {"customer.quiet_hours_start": "08:00:00"},
    ],
)
def test_quiet_hours_must_start_and_end_at_different_times(customer_user, changes):
    _, customer = customer_user
    preferences_change(
        customer_id=customer.pk,
        changes={"customer.quiet_hours_start": "21:00", "customer.quiet_hours_end": "08:00"},
        context=CUSTOMER,
    )
    events_before = ConsentEvent.objects.count()
    with pytest.raises(PreferenceError) as error:
        preferences_change(customer_id=customer.pk, changes=changes, context=CUSTOMER)
    assert list(error.value.message_dict) == ["customer.quiet_hours_start"]
    customer.refresh_from_db()
    assert (customer.quiet_hours_start.strftime("%H:%M"), customer.quiet_hours_end.strftime("%H:%M")) == ("21:00", "08:00")
    assert ConsentEvent.objects.count() == events_before


def test_a_stored_empty_window_does_not_block_other_changes(customer_user):
    _, customer = customer_user
    # A window stored before the rule existed (the contact plan reads it as none).
    Customer.objects.filter(pk=customer.pk).update(quiet_hours_start="08:00", quiet_hours_end="08:00")
    preferences_change(customer_id=customer.pk, changes={"customer.easy_read": True}, context=CUSTOMER)
    preferences_change(
        customer_id=customer.pk, changes={"customer.quiet_hours_start": None, "customer.quiet_hours_end": None},
        context=CUSTOMER,
    )
    customer.refresh_from_db()
    assert (customer.easy_read, customer.quiet_hours_start) == (True, None)


def test_a_channel_ranking_is_stored_whole_and_one_that_changes_nothing_seen_records_nothing(customer_user):
    _, customer = customer_user
    version = Customer.objects.get(pk=customer.pk).version
    events = ConsentEvent.objects.count()
    # [] and the default order read the same as what the customer has: no version, no event.
    for ranking in ([], ["email"], ["email", "sms", "postal", "phone", "messaging", "app"]):
        preferences_change(customer_id=customer.pk, changes={"customer.channel_ranking": ranking}, context=CUSTOMER)
    assert Customer.objects.get(pk=customer.pk).version == version and ConsentEvent.objects.count() == events
    # A partial ranking is completed as the document reads it, in the customer row and the ledger.
    preferences_change(customer_id=customer.pk, changes={"customer.channel_ranking": ["postal"]}, context=CUSTOMER)
    whole = ["postal", "email", "sms", "phone", "messaging", "app"]
    assert Customer.objects.get(pk=customer.pk).channel_ranking == whole
    assert ConsentEvent.objects.latest("id").new_value == whole
    assert preference_document_get(customer_id=customer.pk).ranking() == whole


@pytest.mark.parametrize("ranking", ["postal", None, {"postal": 1}])
def test_a_ranking_that_is_no_list_is_said_to_be_one(customer_user, ranking):
    # It was told "must list each channel at most once", which is about repeats, not the type.
    _, customer = customer_user
    with translation.override("en"), pytest.raises(PreferenceError, match="as a list of channels"):
        preferences_change(customer_id=customer.pk, changes={"customer.channel_ranking": ranking}, context=CUSTOMER)
