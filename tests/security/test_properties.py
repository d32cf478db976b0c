"""Properties, checked on many generated cases (hypothesis): the contact-plan rules hold for any
document, request and moment; and any sequence of valid changes leaves a ledger that rebuilds the
stored state exactly."""

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preferences.changes import preferences_change
from preferences.contact_plan import TIME_REASONS, Reason, contact_plan_decide
from preferences.domain import (
    DEFAULT_CHANNEL_RANKING,
    ActorType,
    AiLevel,
    AssistanceMode,
    DeliveryMode,
    Source,
    SubscriptionStatus,
    TopicKind,
)
from preferences.ledger import ChangeContext, StaleVersion
from preferences.models import ConsentEvent, Customer
from preferences.selectors import preference_document_get
from preferences.state import PreferenceError, state_rebuild
from tests.api.test_contact_plan_rules import CATALOG, POINTS, TOPIC, document

# --- The contact plan (pure: no database) ---------------------------------------------------------

TIME_ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Pacific/Auckland", "UTC"]
# Weighted towards what lets a plan through, so that the time rules get exercised too.
STATUSES = [SubscriptionStatus.IN] * 3 + [SubscriptionStatus.OUT, SubscriptionStatus.PENDING]
USABLE_POINTS = ["mobile", "landline", "app", "postal"]
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
quarter_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def documents(draw):
    topic_settings = {
        code: draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "ai_level": st.sampled_from(AiLevel.values),
                    "delivery_mode": st.sampled_from(DeliveryMode.values),
                    "paper_copy": st.booleans(),
                },
            )
        )
        for code in draw(st.sets(st.sampled_from(sorted(TOPIC)), max_size=3))
    }
    subscriptions = {
        f"{code}.{channel}": draw(st.sampled_from(STATUSES))
        for code, topic in TOPIC.items()
        for channel in topic.allowed_channels
        if draw(st.booleans())
    }
    quiet = draw(st.one_of(st.none(), st.tuples(quarter_hours, quarter_hours), st.tuples(quarter_hours, quarter_hours)))
    return document(
        points=draw(
            st.one_of(
                st.lists(st.sampled_from(sorted(POINTS)), unique=True, max_size=5),
                st.lists(st.sampled_from(USABLE_POINTS), unique=True, min_size=1),  # no email: quiet hours matter
            )
        ),
        subscriptions=subscriptions,
        topic_settings=topic_settings,
        marketing_objection=draw(st.sampled_from([False, False, False, True])),
        ai_default=draw(st.sampled_from(AiLevel.values)),
        channel_ranking=draw(st.permutations(DEFAULT_CHANNEL_RANKING)),
        quiet_hours_start=quiet[0] if quiet else None,
        quiet_hours_end=quiet[1] if quiet else None,
        time_zone=draw(st.sampled_from(TIME_ZONES)),
        weekly_marketing_cap=draw(st.sampled_from([None, 1, 2, 5])),
        large_print=draw(st.booleans()),
        marketing_paused_until=draw(st.one_of(st.none(), st.none(), moments)),
    )


@st.composite
def requests(draw):
    at = draw(moments)
    sent = draw(st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=8)), max_size=6))
    return {
        "document": draw(documents()),
        "topic": TOPIC[draw(st.sampled_from(sorted(TOPIC)))],
        "ai_generated": draw(st.sampled_from([False, False, True])),
        "at": at,
        "marketing_sent_at": [at - delta for delta in sent],
    }


PLAN_SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PLAN_SETTINGS
@given(requests())
def test_contact_plan_rules_hold_for_any_case(request):
    doc, topic = request["document"], request["topic"]
    plan = contact_plan_decide(**request)
    planned = [item.channel for item in plan.channels]
    # Disclosure of AI use is not a preference: always required.
    assert plan.ai.disclosure_required is True
    # Allowed means: no reason, and somewhere to send it.
    assert plan.allowed == (not plan.reasons and bool(planned))
    # A marketing objection stops every marketing message, on every channel.
    if topic.kind == TopicKind.MARKETING and doc.customer.marketing_objection:
        assert not plan.allowed and Reason.MARKETING_OBJECTION in plan.reasons and planned == []
    # A running pause holds every marketing message back, at least until it ends; an ended one, nothing.
    paused_until = doc.customer.marketing_paused_until
    if topic.kind == TopicKind.MARKETING and paused_until is not None and request["at"] < paused_until:
        assert not plan.allowed and Reason.MARKETING_PAUSED in plan.reasons
        assert plan.next_allowed_at is None or plan.next_allowed_at >= paused_until
    else:
        assert Reason.MARKETING_PAUSED not in plan.reasons
    # AI content for a customer who wants only people's writing is never allowed.
    if request["ai_generated"] and doc.topic_setting(topic, "ai_level") == AiLevel.HUMAN_ONLY:
        assert not plan.allowed and Reason.AI_NOT_ALLOWED in plan.reasons
    for channel in planned:
        # Never a channel the customer did not opt in to (out, or pending confirmation)…
        assert doc.subscription_status(topic, channel) == SubscriptionStatus.IN
        # …and always one that can be used: a verified contact point of the right kind.
        assert channel in doc.usable_channels() and channel in topic.allowed_channels
    # In the customer's order; `first` gives one channel.
    ranking = doc.ranking()
    assert planned == sorted(planned, key=ranking.index)
    if plan.delivery_mode == DeliveryMode.FIRST:
        assert len(planned) <= 1
    # `next_allowed_at` only when time alone stands in the way, and then later than asked.
    if plan.next_allowed_at is not None:
        assert plan.reasons and set(plan.reasons) <= set(TIME_REASONS)
        assert plan.next_allowed_at > request["at"]
    elif plan.reasons and set(plan.reasons) <= set(TIME_REASONS):
        assert plan.deferred == [] or plan.next_allowed_at is not None
    # Asked again at `next_allowed_at`, a plan held back by quiet hours or the legal call window is allowed.
    if plan.next_allowed_at is not None and Reason.FREQUENCY_CAP not in plan.reasons:
        later = contact_plan_decide(**{**request, "at": plan.next_allowed_at})
        assert later.allowed, (plan.reasons, later.reasons)
    # Paper copy only on topics that offer it.
    if plan.paper_copy:
        assert topic.paper_copy_available


@PLAN_SETTINGS
@given(requests())
def test_the_frequency_cap_frees_a_slot_at_next_allowed_at(request):
    doc, topic = request["document"], request["topic"]
    plan = contact_plan_decide(**request)
    if plan.reasons != [Reason.FREQUENCY_CAP]:
        return
    cap = doc.customer.weekly_marketing_cap
    in_window = [moment for moment in request["marketing_sent_at"] if plan.next_allowed_at - timedelta(days=7) < moment <= plan.next_allowed_at]
    assert len(in_window) < cap
    assert topic.kind == TopicKind.MARKETING


def test_the_catalogue_used_here_is_the_default_one():
    assert {topic.code for topic in CATALOG.topics} >= {"security", "billing", "offers"}


# --- The ledger rebuild (database) ----------------------------------------------------------------

TOPIC_SETTING_VALUES = {
    "ai_level": st.one_of(st.none(), st.sampled_from(AiLevel.values)),
    "delivery_mode": st.one_of(st.none(), st.sampled_from(DeliveryMode.values)),
    "paper_copy": st.one_of(st.none(), st.booleans()),
}
CUSTOMER_VALUES = {
    "language": st.sampled_from(["fr", "en"]),
    "ai_default": st.sampled_from(AiLevel.values),
    "assistance_mode": st.sampled_from(AssistanceMode.values),
    "time_zone": st.sampled_from(TIME_ZONES),
    "weekly_marketing_cap": st.sampled_from([None, 1, 2, 5]),
    "large_print": st.booleans(),
    "plain_text_email": st.booleans(),
    "easy_read": st.booleans(),
    "marketing_objection": st.booleans(),
    "channel_ranking": st.permutations(DEFAULT_CHANNEL_RANKING).map(list),
    # A moment already past is always accepted (a later one only up to about six months ahead).
    "marketing_paused_until": st.sampled_from([None, "2026-01-01T00:00:00+00:00"]),
}


@st.composite
def change_sets(draw):
    changes = {}
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["customer", "topic", "subscription", "quiet"]))
        if kind == "customer":
            field = draw(st.sampled_from(sorted(CUSTOMER_VALUES)))
            changes[f"customer.{field}"] = draw(CUSTOMER_VALUES[field])
        elif kind == "topic":
            code, field = draw(st.sampled_from(sorted(TOPIC))), draw(st.sampled_from(sorted(TOPIC_SETTING_VALUES)))
            changes[f"topic.{code}.{field}"] = draw(TOPIC_SETTING_VALUES[field])
        elif kind == "subscription":
            code = draw(st.sampled_from(sorted(TOPIC)))
            channel = draw(st.sampled_from(TOPIC[code].allowed_channels))
            changes[f"subscription.{code}.{channel}"] = draw(st.sampled_from(["in", "out"]))
        else:
            quiet = draw(st.one_of(st.none(), st.tuples(quarter_hours, quarter_hours)))
            changes["customer.quiet_hours_start"] = quiet[0].strftime("%H:%M") if quiet else None
            changes["customer.quiet_hours_end"] = quiet[1].strftime("%H:%M") if quiet else None
    return changes


CONTEXTS = [
    ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="crm"),
    ChangeContext(actor_type=ActorType.STAFF, source=Source.CONSOLE, reason_code="customer_call", reason="By phone."),
    ChangeContext(actor_type=ActorType.LINK, source=Source.LINK),
]
_emails = itertools.count(1)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(change_sets(), st.sampled_from(CONTEXTS), st.booleans()), min_size=1, max_size=8))
def test_any_sequence_of_changes_rebuilds_from_the_ledger(steps):
    from preferences.contact_points import contact_point_import
    from tests.conftest import make_customer_user

    _user, customer = make_customer_user(f"prop{next(_emails)}@example.com")
    contact_point_import(
        customer_id=customer.pk, kind="phone", value="+33687654321", verified=True, context=ChangeContext.system()
    )
    contact_point_import(
        customer_id=customer.pk, kind="postal", value="1 rue de la Paix\n75002 Paris", context=ChangeContext.system()
    )
    for changes, context, stale in steps:
        before = preference_document_get(customer_id=customer.pk)
        version = before.customer.version
        events_before = ConsentEvent.objects.filter(customer_id=customer.pk).count()
        try:
            preferences_change(
                customer_id=customer.pk, changes=changes, context=context, expected_version=version - 1 if stale else version
            )
        except (PreferenceError, StaleVersion) as refusal:
            assert not isinstance(refusal, StaleVersion) or stale
            after = preference_document_get(customer_id=customer.pk)
            assert after.state() == before.state() and after.customer.version == version  # all or nothing
            continue
        assert not stale, "a stale version was accepted"
        written = ConsentEvent.objects.filter(customer_id=customer.pk).count() - events_before
        assert Customer.objects.get(pk=customer.pk).version == version + (1 if written else 0)
        events = ConsentEvent.objects.filter(customer_id=customer.pk).order_by("id").values_list("key", "new_value")
        document = preference_document_get(customer_id=customer.pk)
        assert state_rebuild(events) == document.state()
        # The rules hold on whatever was accepted.
        if document.customer.marketing_objection:
            for topic in document.catalog.topics:
                if topic.kind == TopicKind.MARKETING:
                    for channel in topic.allowed_channels:
                        assert document.subscription_status(topic, channel) != SubscriptionStatus.IN
        for topic in document.catalog.topics:
            if topic.kind == TopicKind.CRITICAL:
                assert any(document.subscription_status(topic, c) == SubscriptionStatus.IN for c in topic.allowed_channels)


def test_quiet_hours_covering_every_legal_call_slot_refuse_the_call_without_a_next_time():
    """Found by the property above: this case raised ValueError, and the whole batch answered 500."""
    doc = document(
        points=("landline",),
        subscriptions={"surveys.phone": "in"},
        quiet_hours_start=time(9, 0),
        quiet_hours_end=time(21, 0),
    )
    plan = contact_plan_decide(
        document=doc, topic=TOPIC["surveys"], ai_generated=False, at=datetime(2026, 3, 10, 10, tzinfo=UTC)
    )
    # Not "later": no moment ever fits, and the reason says so (tests/api/test_contact_plan_rules.py).
    assert not plan.allowed and plan.reasons == [Reason.NO_ALLOWED_TIME]
    assert plan.next_allowed_at is None and plan.deferred == []
