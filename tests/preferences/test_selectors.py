"""The one-query document (PostgreSQL) against the ORM's three queries: the same customer, the same
subscriptions, the same contact points in the same order, with the same types."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.documents_pg import _documents_build, preference_document_build, preference_documents_active
from preferences.domain import ContactPointKind
from preferences.models import ContactPoint, Customer
from tests.preferences.helpers import CUSTOMER, add_verified_phone


def _snapshot(document) -> dict:
    customer = document.customer
    return {
        "customer": {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields},
        "subscriptions": document.subscriptions,
        "points": [
            {f.attname: getattr(point, f.attname) for f in ContactPoint._meta.concrete_fields}
            for point in document.contact_points
        ],
        "state": document.state(),
        "usable": document.usable_channels(),
    }


def test_documents_match_the_orm_field_for_field(customer_user, other_customer_user):
    _, customer = customer_user
    _, other = other_customer_user
    add_verified_phone(customer, "0612345678")
    contact_point_add(
        customer_id=customer.pk, kind=ContactPointKind.POSTAL, value="1 rue de la Paix\n75002 Paris", context=CUSTOMER
    )
    # Created in the same instant as the phone: the order falls back to the id, as ContactPoint's ordering says.
    ContactPoint.objects.filter(customer=customer).update(created_at=timezone.now() - timedelta(days=1))
    preferences_change(
        customer_id=customer.pk,
        changes={
            "subscription.offers.email": "in",
            "customer.quiet_hours_start": "21:00",
            "customer.quiet_hours_end": "08:00",
            "topic.offers.ai_level": "human_only",
            "customer.channel_ranking": ["postal", "sms", "email"],
        },
        context=CUSTOMER,
    )
    expected = {
        d.customer.pk: _snapshot(d)
        for d in _documents_build(list(Customer.objects.filter(pk__in=[customer.pk, other.pk])))
    }
    by_id = {d.customer.pk: _snapshot(d) for d in preference_documents_active(ids=[customer.pk, other.pk, 10**9])}
    by_external_id = preference_documents_active(external_ids=[customer.external_id or "none"])
    assert by_id == expected
    assert preference_document_build(Customer.objects.get(pk=customer.pk)).contact_points == [
        point for point in ContactPoint.objects.filter(customer=customer)
    ]
    assert _snapshot(preference_document_build(Customer.objects.get(pk=customer.pk))) == expected[customer.pk]
    assert len(by_external_id) == (1 if customer.external_id else 0)


def test_erased_customers_have_no_document(customer_user):
    _, customer = customer_user
    Customer.objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    assert preference_documents_active(ids=[customer.pk]) == []


def test_one_query_on_postgresql_for_a_whole_batch(customer_user, other_customer_user, django_assert_num_queries):
    ids = [customer_user[1].pk, other_customer_user[1].pk]
    preference_documents_active(ids=ids)  # warms the cached catalogue
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 3):
        documents = preference_documents_active(ids=ids)
    assert sorted(d.customer.pk for d in documents) == sorted(ids)


def test_the_fast_loader_knows_every_field_and_skips_no_signal():
    """_loaded builds instances without __init__: it must set every concrete field, and no pre_init or
    post_init receiver may be waiting for these models (it would be skipped)."""
    from django.db.models.signals import post_init, pre_init

    from preferences.documents_pg import _CUSTOMER_ATTNAMES, _POINT_FIELDS

    assert _POINT_FIELDS == tuple(f.attname for f in ContactPoint._meta.concrete_fields)
    assert _CUSTOMER_ATTNAMES == [f.attname for f in Customer._meta.concrete_fields]
    for model in (Customer, ContactPoint):
        assert not pre_init.has_listeners(model) and not post_init.has_listeners(model)


def test_the_any_lookup_matches_in(customer_user, other_customer_user):
    """`__any` finds what `__in` finds, on every database; on PostgreSQL with one array parameter."""
    ids = [customer_user[1].pk, other_customer_user[1].pk, 10**9]
    assert sorted(Customer.objects.filter(pk__any=ids).values_list("pk", flat=True)) == sorted(ids[:2])
    assert not Customer.objects.filter(external_id__any=[]).exists()
    assert (
        ContactPoint.objects.filter(customer_id__any=ids).count()
        == ContactPoint.objects.filter(customer_id__in=ids).count()
    )
    sql = str(Customer.objects.filter(pk__any=ids).query)
    assert ("= ANY(" in sql) if connection.vendor == "postgresql" else (" IN (" in sql)
