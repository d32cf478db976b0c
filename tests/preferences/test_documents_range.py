"""The streamed documents of an audience's chunk (preference_documents_range) against the ORM: the same
values of the same types, times in the same zone object, and the customer's JSON fields read by the
fast path exactly as JSONField reads them; the plan's channel_usable() agrees with usable_channels()."""

import json
from datetime import timedelta

from django.db.models import JSONField
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.document import PreferenceDocument
from preferences.documents_pg import _documents_build, _json_value, preference_documents_range
from preferences.domain import ChannelCode, ContactPointKind, PhoneType
from preferences.models import ContactPoint, Customer
from tests.preferences.helpers import CUSTOMER, add_verified_phone


def _typed(value):
    """A value with the type (and for a time, the zone object) of everything in it."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (value, type(value), getattr(value, "tzinfo", None))


def _snapshot(document) -> dict:
    customer = document.customer
    return _typed(
        {
            "customer": {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields},
            "subscriptions": {"/".join(key): status for key, status in document.subscriptions.items()},
            "points": [
                {f.attname: getattr(point, f.attname) for f in ContactPoint._meta.concrete_fields}
                for point in document.contact_points
            ],
        }
    )


def test_range_documents_match_the_orm_with_types_and_zones(customer_user, other_customer_user):
    _, customer = customer_user
    _, other = other_customer_user
    add_verified_phone(customer, "0612345678")
    contact_point_add(
        customer_id=customer.pk, kind=ContactPointKind.POSTAL, value="1 rue de l'Été\n75002 Paris", context=CUSTOMER
    )
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
    Customer.objects.filter(pk=other.pk).update(marketing_paused_until=timezone.now() + timedelta(days=3))
    ids = sorted([customer.pk, other.pk])
    expected = [_snapshot(d) for d in _documents_build(list(Customer.objects.filter(pk__in=ids).order_by("pk")))]
    streamed = [
        _snapshot(d)
        for batch in preference_documents_range(id_from=ids[0], id_to=ids[1] + 1, batch_size=1)
        for d in batch
    ]
    assert streamed == expected


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_the_fast_json_field_reader_reads_as_jsonfield_does(value):
    text = json.dumps(value)
    assert _typed(_json_value(text, None, None)) == _typed(JSONField().from_db_value(text, None, None))


@given(st.text(alphabet='0123456789-+.eE[]{}", :ntruefalsNaIiy', max_size=30))
def test_the_fast_json_field_reader_agrees_on_any_text(text):
    assert _typed(_json_value(text, None, None)) == _typed(JSONField().from_db_value(text, None, None))


points = st.lists(
    st.builds(
        lambda kind, phone_type, verified: ContactPoint(
            kind=kind, value="x", phone_type=phone_type, verified_at=timezone.now() if verified else None
        ),
        st.sampled_from(ContactPointKind.values),
        st.sampled_from(["", *PhoneType.values]),
        st.booleans(),
    ),
    max_size=5,
)


@given(points, st.booleans())
def test_channel_usable_is_membership_of_the_usable_channels(contact_points, usable_known_first):
    """The plan asks channel_usable(code) for the channels chosen: the same answer as usable_channels()."""
    document = PreferenceDocument(customer=Customer(), contact_points=contact_points, subscriptions={}, catalog=None)
    if usable_known_first:
        document.usable_channels()
    answers = {channel: document.channel_usable(channel) for channel in ChannelCode.values}
    fresh = PreferenceDocument(customer=Customer(), contact_points=contact_points, subscriptions={}, catalog=None)
    assert {channel for channel, usable in answers.items() if usable} == fresh.usable_channels()
