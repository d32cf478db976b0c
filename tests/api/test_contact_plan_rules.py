"""The contact-plan rules, case by case. Pure: no database (pytest-django would refuse any query here)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from preferences.catalog import Catalog
from preferences.catalog_defaults import TOPICS
from preferences.contact_plan import contact_plan_decide, french_public_holidays, weekly_cap_free_at
from preferences.document import PreferenceDocument
from preferences.domain import DEFAULT_CHANNEL_RANKING
from preferences.models import ContactPoint, Customer, Topic

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
TOPIC = {item["code"]: Topic(id=index, **item) for index, item in enumerate(TOPICS, start=1)}
CATALOG = Catalog(channels=[], topics=list(TOPIC.values()))
VERIFIED = datetime(2026, 1, 1, tzinfo=UTC)

# Contact points by short name: (kind, value, phone_type, verified).
POINTS = {
    "email": ("email", "camille@example.com", "", True),
    "email_unverified": ("email", "camille@example.com", "", False),
    "mobile": ("phone", "+33612345678", "mobile", True),
    "mobile_unverified": ("phone", "+33612345678", "mobile", False),
    "landline": ("phone", "+33140000000", "landline", True),
    "postal": ("postal", "1 rue de la Paix\n75002 Paris", "", False),
    "app": ("app", "install-42", "", True),
}


def document(*, points=("email",), subscriptions=None, topic_settings=None, **fields) -> PreferenceDocument:
    values = {"language": "en", "channel_ranking": list(DEFAULT_CHANNEL_RANKING), "ai_default": "human_reviewed"}
    values.update(fields)
    customer = Customer(id=7, external_id="CRM-7", topic_settings=topic_settings or {}, **values)
    contact_points = [
        ContactPoint(id=index, customer=customer, kind=kind, value=value, phone_type=phone_type,
                     verified_at=VERIFIED if verified else None)
        for index, (kind, value, phone_type, verified) in ((i, POINTS[name]) for i, name in enumerate(points, 1))
        for _ in [0]
    ]
    subs = {tuple(key.split(".")): status for key, status in (subscriptions or {}).items()}
    return PreferenceDocument(customer=customer, contact_points=contact_points, subscriptions=subs, catalog=CATALOG)


def decide(doc, topic="billing", *, at=None, ai=False, sent=()):
    at = at or datetime(2026, 3, 10, 11, 0, tzinfo=PARIS)  # a Tuesday
    return contact_plan_decide(document=doc, topic=TOPIC[topic], ai_generated=ai, at=at, marketing_sent_at=sent)


def channels(plan) -> list[str]:
    return [item.channel for item in plan.channels]


# --- Who chose what ------------------------------------------------------------------------------


def test_service_topic_goes_to_the_default_channel_with_its_address():
    plan = decide(document())
    assert plan.allowed and plan.reasons == []
    assert channels(plan) == ["email"]
    assert plan.channels[0].address == "camille@example.com" and plan.channels[0].contact_point_id == 1
    assert plan.delivery_mode == "first" and plan.next_allowed_at is None and plan.deferred == []


@pytest.mark.parametrize(
    ("topic", "points", "subscriptions", "fields", "reasons"),
    [
        ("billing", ("email",), {"billing.email": "out"}, {}, ["opted_out"]),
        ("offers", ("email",), {}, {}, ["opted_out"]),  # marketing is off by default
        ("offers", ("email",), {"offers.email": "pending"}, {}, ["pending_confirmation"]),
        ("offers", ("email_unverified",), {"offers.email": "in"}, {}, ["no_verified_contact_point"]),
        ("offers", ("landline",), {"offers.sms": "in"}, {}, ["no_verified_contact_point"]),  # SMS needs a mobile
        ("offers", ("mobile_unverified",), {"offers.sms": "in"}, {}, ["no_verified_contact_point"]),
        ("offers", ("email",), {"offers.email": "in"}, {"marketing_objection": True}, ["marketing_objection"]),
        ("newsletter", ("email",), {}, {"marketing_objection": True}, ["marketing_objection"]),
        ("billing", ("email",), {}, {"marketing_objection": True}, []),  # objection is about marketing only
        ("offers", ("email",), {"offers.email": "in"}, {}, []),
        ("offers", ("postal",), {"offers.postal": "in"}, {}, []),  # a postal address needs no verification
    ],
)
def test_reasons(topic, points, subscriptions, fields, reasons):
    plan = decide(document(points=points, subscriptions=subscriptions, **fields), topic)
    assert plan.reasons == reasons
    assert plan.allowed is (reasons == [])
    assert plan.next_allowed_at is None
    if reasons:
        assert plan.channels == []


def test_first_follows_the_customers_ranking_and_skips_unusable_channels():
    ranking = ["sms", "app", "email", "postal", "phone", "messaging"]
    subs = {"billing.sms": "in", "billing.app": "in", "billing.email": "in"}
    plan = decide(document(points=("email", "app"), subscriptions=subs, channel_ranking=ranking))
    assert channels(plan) == ["app"]  # no mobile number: SMS cannot be used
    plan = decide(document(points=("email", "app", "mobile"), subscriptions=subs, channel_ranking=ranking))
    assert channels(plan) == ["sms"]


def test_all_sends_on_every_chosen_usable_channel_in_order():
    subs = {"security.sms": "in", "security.app": "in"}
    doc = document(points=("email", "mobile", "app"), subscriptions=subs, topic_settings={"security": {"delivery_mode": "all"}})
    plan = decide(doc, "security")
    assert plan.delivery_mode == "all"
    assert channels(plan) == ["email", "sms", "app"]


def test_marketing_topics_go_to_every_opted_in_channel():
    plan = decide(document(points=("email", "postal"), subscriptions={"offers.email": "in", "offers.postal": "in"}), "offers")
    assert plan.delivery_mode == "all" and channels(plan) == ["email", "postal"]


# --- AI ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "ai", "allowed", "ai_allowed", "review", "text"),
    [
        ("human_only", True, False, False, False, None),
        ("human_only", False, True, False, False, None),  # not AI content: nothing in the way
        ("human_reviewed", True, True, True, True, "drafted with the help of artificial intelligence and reviewed"),
        ("ai_allowed", True, True, True, False, "written with the help of artificial intelligence"),
    ],
)
def test_ai_rule(level, ai, allowed, ai_allowed, review, text):
    plan = decide(document(ai_default=level), ai=ai)
    assert plan.allowed is allowed
    assert plan.reasons == ([] if allowed else ["ai_not_allowed"])
    assert plan.ai.level == level
    assert plan.ai.allowed is ai_allowed and plan.ai.requires_human_review is review
    assert plan.ai.disclosure_required is True  # never optional
    if text is None:
        assert plan.ai.disclosure_text is None
    else:
        assert text in plan.ai.disclosure_text


def test_topic_ai_level_overrides_the_customers_default():
    doc = document(ai_default="ai_allowed", topic_settings={"billing": {"ai_level": "human_only"}})
    assert decide(doc, ai=True).reasons == ["ai_not_allowed"]
    assert decide(doc, "service", ai=True).allowed


def test_disclosure_is_in_the_customers_language():
    from django.utils import translation

    english = decide(document(language="en"), ai=True).ai.disclosure_text
    french = decide(document(language="fr"), ai=True).ai.disclosure_text
    with translation.override("fr"):
        expected = translation.gettext(
            "This message was drafted with the help of artificial intelligence and reviewed by a person."
        )
    assert english == "This message was drafted with the help of artificial intelligence and reviewed by a person."
    assert french == expected


# --- Quiet hours ---------------------------------------------------------------------------------

QUIET = {"quiet_hours_start": time(21, 0), "quiet_hours_end": time(8, 0)}
SMS_FIRST = ["sms", "email", "postal", "phone", "messaging", "app"]


def test_quiet_hours_fall_back_to_the_next_channel_for_first():
    doc = document(points=("email", "mobile"), subscriptions={"service.sms": "in"}, channel_ranking=SMS_FIRST, **QUIET)
    plan = decide(doc, "service", at=datetime(2026, 3, 10, 23, 0, tzinfo=PARIS))
    assert plan.allowed and channels(plan) == ["email"]
    assert [(item.channel, item.not_before, item.reason) for item in plan.deferred] == [
        ("sms", datetime(2026, 3, 11, 8, 0, tzinfo=PARIS), "quiet_hours")
    ]


@pytest.mark.parametrize(
    ("at", "expected_next"),
    [
        (datetime(2026, 3, 10, 23, 0, tzinfo=PARIS), datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)),
        (datetime(2026, 3, 10, 21, 0, tzinfo=PARIS), datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)),  # start included
        (datetime(2026, 3, 11, 7, 59, tzinfo=PARIS), datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)),
        (datetime(2026, 3, 11, 8, 0, tzinfo=PARIS), None),  # end excluded
        (datetime(2026, 3, 10, 20, 59, tzinfo=PARIS), None),
    ],
)
def test_quiet_hours_only_channel(at, expected_next):
    doc = document(points=("mobile",), subscriptions={"service.sms": "in", "service.email": "out"}, **QUIET)
    plan = decide(doc, "service", at=at)
    if expected_next is None:
        assert plan.allowed and channels(plan) == ["sms"]
    else:
        assert not plan.allowed and plan.reasons == ["quiet_hours"]
        assert plan.next_allowed_at == expected_next


def test_quiet_hours_are_read_in_the_customers_time_zone():
    doc = document(points=("mobile",), subscriptions={"service.sms": "in", "service.email": "out"},
                   time_zone="America/New_York", **QUIET)
    at = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # 22:00 the day before in New York, 04:00 in Paris
    plan = decide(doc, "service", at=at)
    assert plan.reasons == ["quiet_hours"]
    assert plan.next_allowed_at == datetime(2026, 3, 4, 8, 0, tzinfo=NEW_YORK)
    assert decide(doc, "service", at=datetime(2026, 3, 4, 14, 0, tzinfo=UTC)).allowed  # 09:00 in New York


def test_quiet_hours_within_one_day_and_unset_or_empty_windows():
    midday = {"quiet_hours_start": time(12, 0), "quiet_hours_end": time(14, 0)}
    doc = document(points=("mobile",), subscriptions={"service.sms": "in", "service.email": "out"}, **midday)
    assert decide(doc, "service", at=datetime(2026, 3, 10, 13, 0, tzinfo=PARIS)).next_allowed_at == datetime(
        2026, 3, 10, 14, 0, tzinfo=PARIS
    )
    assert decide(doc, "service", at=datetime(2026, 3, 10, 23, 0, tzinfo=PARIS)).allowed
    same = {"quiet_hours_start": time(9, 0), "quiet_hours_end": time(9, 0)}
    doc = document(points=("mobile",), subscriptions={"service.sms": "in", "service.email": "out"}, **same)
    assert decide(doc, "service", at=datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)).allowed


def test_quiet_hours_never_hold_back_email_or_post():
    doc = document(points=("email",), **QUIET)
    assert decide(doc, at=datetime(2026, 3, 10, 23, 0, tzinfo=PARIS)).allowed


def test_quiet_hours_ending_in_the_spring_forward_gap():
    quiet = {"quiet_hours_start": time(22, 0), "quiet_hours_end": time(2, 30)}
    doc = document(points=("mobile",), subscriptions={"service.sms": "in", "service.email": "out"}, **quiet)
    plan = decide(doc, "service", at=datetime(2026, 3, 29, 0, 0, tzinfo=PARIS))  # clocks jump 02:00 → 03:00
    assert plan.next_allowed_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time


@pytest.mark.parametrize(
    ("at", "expected_next"),
    [
        # Clocks go back 03:00 → 02:00 on 31 October 2027 (01:00 UTC): 02:00–03:00 is lived twice.
        (datetime(2027, 10, 31, 0, 10, tzinfo=UTC), datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),  # 02:10, summer time
        # 02:10 the second time: the quiet hours end at the next 02:30 (winter time), not at the first one,
        # 40 minutes before the moment asked about, which next_allowed_at gave.
        (datetime(2027, 10, 31, 1, 10, tzinfo=UTC), datetime(2027, 10, 31, 1, 30, tzinfo=UTC)),
    ],
)
def test_quiet_hours_ending_in_the_hour_lived_twice_in_autumn(at, expected_next):
    quiet = {"quiet_hours_start": time(22, 0), "quiet_hours_end": time(2, 30)}
    doc = document(points=("mobile",), subscriptions={"service.sms": "in", "service.email": "out"}, **quiet)
    plan = decide(doc, "service", at=at)
    assert plan.reasons == ["quiet_hours"] and plan.next_allowed_at == expected_next


# --- The legal window for marketing calls ---------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected_next"),
    [
        (datetime(2026, 3, 10, 10, 0), None),  # Tuesday, the morning window opens
        (datetime(2026, 3, 10, 12, 59), None),
        (datetime(2026, 3, 10, 13, 0), datetime(2026, 3, 10, 14, 0)),  # lunch
        (datetime(2026, 3, 10, 19, 59), None),
        (datetime(2026, 3, 10, 20, 0), datetime(2026, 3, 11, 10, 0)),
        (datetime(2026, 3, 10, 9, 0), datetime(2026, 3, 10, 10, 0)),
        (datetime(2026, 3, 13, 20, 30), datetime(2026, 3, 16, 10, 0)),  # Friday evening → Monday
        (datetime(2026, 3, 14, 11, 0), datetime(2026, 3, 16, 10, 0)),  # Saturday
        (datetime(2026, 3, 15, 11, 0), datetime(2026, 3, 16, 10, 0)),  # Sunday
        (datetime(2026, 5, 14, 11, 0), datetime(2026, 5, 15, 10, 0)),  # Ascension Thursday
        (datetime(2026, 4, 30, 20, 15), datetime(2026, 5, 4, 10, 0)),  # 1 May is a Friday, then the weekend
        (datetime(2026, 5, 22, 20, 0), datetime(2026, 5, 26, 10, 0)),  # Whit Monday 25 May
        (datetime(2026, 7, 14, 11, 0), datetime(2026, 7, 15, 10, 0)),  # Bastille Day, a Tuesday
        (datetime(2026, 12, 24, 20, 0), datetime(2026, 12, 28, 10, 0)),  # Christmas Friday
    ],
)
def test_legal_window_for_marketing_calls(at, expected_next):
    doc = document(points=("landline",), subscriptions={"offers.phone": "in"})
    plan = decide(doc, "offers", at=at.replace(tzinfo=PARIS))
    if expected_next is None:
        assert plan.allowed and channels(plan) == ["phone"]
    else:
        assert plan.reasons == ["legal_call_window"]
        assert plan.next_allowed_at == expected_next.replace(tzinfo=PARIS)
        assert plan.deferred[0].reason == "legal_call_window"


def test_legal_window_is_for_marketing_only():
    doc = document(points=("landline",), subscriptions={"service.phone": "in", "service.email": "out"})
    assert decide(doc, "service", at=datetime(2026, 3, 14, 21, 0, tzinfo=PARIS)).allowed  # a Saturday night


def test_legal_window_and_quiet_hours_together():
    doc = document(points=("landline",), subscriptions={"offers.phone": "in"},
                   quiet_hours_start=time(12, 0), quiet_hours_end=time(15, 0))
    plan = decide(doc, "offers", at=datetime(2026, 3, 10, 12, 30, tzinfo=PARIS))
    assert plan.reasons == ["quiet_hours"]
    assert plan.next_allowed_at == datetime(2026, 3, 10, 15, 0, tzinfo=PARIS)


def test_french_public_holidays_come_from_the_holidays_package():
    days = french_public_holidays(2026)
    assert datetime(2026, 5, 14).date() in days and datetime(2026, 11, 11).date() in days
    assert datetime(2026, 3, 10).date() not in days


# --- Weekly cap ----------------------------------------------------------------------------------

AT = datetime(2026, 3, 10, 11, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("cap", "days_ago", "expected"),
    [
        (1, [], AT),
        (1, [8], AT),  # outside the week
        (1, [7], AT),  # exactly a week ago: out of the window
        (1, [2], AT - timedelta(days=2) + timedelta(days=7)),
        (2, [2], AT),
        (2, [1, 3], AT - timedelta(days=3) + timedelta(days=7)),
        (2, [1, 3, 5], AT - timedelta(days=3) + timedelta(days=7)),
        (5, [1, 1, 2, 3, 4], AT - timedelta(days=4) + timedelta(days=7)),
        (1, [-1], AT),  # reported for later than `at`: not in the window
    ],
)
def test_weekly_cap_free_at(cap, days_ago, expected):
    sent = [AT - timedelta(days=days) for days in days_ago]
    assert weekly_cap_free_at(sent_at=sent, cap=cap, at=AT) == expected


def test_weekly_cap_holds_marketing_back_until_a_slot_frees():
    doc = document(subscriptions={"offers.email": "in"}, weekly_marketing_cap=2)
    sent = [AT - timedelta(days=1), AT - timedelta(days=3)]
    plan = decide(doc, "offers", at=AT, sent=sent)
    assert not plan.allowed and plan.reasons == ["frequency_cap"]
    assert plan.next_allowed_at == AT + timedelta(days=4)
    assert plan.deferred[0].reason == "frequency_cap"
    assert decide(doc, "offers", at=AT, sent=sent[:1]).allowed


def test_weekly_cap_does_not_apply_to_service_messages_or_without_a_cap():
    sent = [AT - timedelta(hours=hours) for hours in (1, 2, 3)]
    assert decide(document(weekly_marketing_cap=1), "billing", at=AT, sent=sent).allowed
    assert decide(document(subscriptions={"offers.email": "in"}), "offers", at=AT, sent=sent).allowed


def test_weekly_cap_then_quiet_hours():
    doc = document(points=("mobile",), subscriptions={"offers.sms": "in"}, weekly_marketing_cap=1, **QUIET)
    sent = [datetime(2026, 3, 3, 23, 0, tzinfo=PARIS)]  # a slot frees on the 10th at 23:00, in quiet hours
    plan = decide(doc, "offers", at=datetime(2026, 3, 10, 12, 0, tzinfo=PARIS), sent=sent)
    assert plan.reasons == ["frequency_cap"]
    assert plan.next_allowed_at == datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)


def test_no_next_allowed_at_when_more_than_time_stands_in_the_way():
    doc = document(points=("mobile",), subscriptions={"offers.sms": "in"}, ai_default="human_only", **QUIET)
    plan = decide(doc, "offers", at=datetime(2026, 3, 10, 23, 0, tzinfo=PARIS), ai=True)
    assert set(plan.reasons) == {"ai_not_allowed", "quiet_hours"}
    assert plan.next_allowed_at is None and plan.deferred == []


# --- Paper copy and format needs -----------------------------------------------------------------


def test_paper_copy_with_the_postal_address():
    doc = document(points=("email", "postal"), topic_settings={"billing": {"paper_copy": True}})
    plan = decide(doc)
    assert plan.paper_copy is True
    assert plan.paper_copy_address.channel == "postal" and plan.paper_copy_address.address.startswith("1 rue")
    assert decide(document(points=("email", "postal"))).paper_copy is False


def test_paper_copy_only_where_the_topic_offers_it():
    doc = document(points=("email", "postal"), topic_settings={"service": {"paper_copy": True}})
    assert decide(doc, "service").paper_copy is False


def test_paper_copy_asked_without_an_address():
    doc = document(points=("email",), topic_settings={"billing": {"paper_copy": True}})
    plan = decide(doc)
    assert plan.paper_copy is True and plan.paper_copy_address is None


@pytest.mark.parametrize(
    ("fields", "needs"),
    [
        ({}, []),
        ({"large_print": True}, ["large_print"]),
        ({"easy_read": True, "plain_text_email": True}, ["plain_text_email", "easy_read"]),
        ({"large_print": True, "plain_text_email": True, "easy_read": True}, ["large_print", "plain_text_email", "easy_read"]),
    ],
)
def test_format_needs(fields, needs):
    assert decide(document(**fields)).format_needs == needs


def test_language_is_told_to_the_sender():
    assert decide(document(language="fr")).language == "fr"


# --- A moment that never comes, and the assistance mode ----------------------------------------------


QUIET_ALL_DAY_FOR_CALLS = {"quiet_hours_start": time(9, 0), "quiet_hours_end": time(21, 0)}


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 10, 11, 0, tzinfo=PARIS),  # a Tuesday, in the legal window but in quiet hours
        datetime(2026, 3, 10, 22, 0, tzinfo=PARIS),  # outside both
        datetime(2026, 3, 14, 11, 0, tzinfo=PARIS),  # a Saturday
    ],
)
def test_a_marketing_call_that_no_moment_fits_is_no_allowed_time_not_later(at):
    doc = document(points=("landline",), subscriptions={"surveys.phone": "in"}, **QUIET_ALL_DAY_FOR_CALLS)
    plan = decide(doc, "surveys", at=at)
    assert not plan.allowed and "no_allowed_time" in plan.reasons
    assert "quiet_hours" not in plan.reasons and "legal_call_window" not in plan.reasons
    assert plan.next_allowed_at is None and plan.deferred == [] and plan.channels == []


def test_quiet_hours_that_end_before_the_legal_window_closes_are_a_matter_of_time():
    doc = document(points=("landline",), subscriptions={"surveys.phone": "in"},
                   quiet_hours_start=time(9, 0), quiet_hours_end=time(19, 0))
    plan = decide(doc, "surveys")
    assert plan.reasons == ["quiet_hours"] and "no_allowed_time" not in plan.reasons
    assert plan.next_allowed_at == datetime(2026, 3, 10, 19, 0, tzinfo=PARIS)


def test_a_channel_that_never_fits_does_not_hide_one_that_fits_later():
    # The call never fits; the SMS waits for the end of the quiet hours: a matter of time.
    doc = document(points=("mobile",), subscriptions={"offers.phone": "in", "offers.sms": "in"},
                   **QUIET_ALL_DAY_FOR_CALLS)
    plan = decide(doc, "offers")
    assert plan.reasons == ["quiet_hours"]
    assert [item.channel for item in plan.deferred] == ["sms"]
    assert plan.next_allowed_at == datetime(2026, 3, 10, 21, 0, tzinfo=PARIS)


def test_a_service_call_in_quiet_hours_is_only_later():
    doc = document(points=("mobile",), subscriptions={"billing.sms": "in", "billing.email": "out"},
                   **QUIET_ALL_DAY_FOR_CALLS)
    plan = decide(doc, "billing")
    assert plan.reasons == ["quiet_hours"] and plan.next_allowed_at is not None


@pytest.mark.parametrize("mode", ["human_first", "bot_ok"])
def test_every_plan_tells_the_assistance_mode(mode):
    allowed = decide(document(assistance_mode=mode))
    refused = decide(document(assistance_mode=mode, marketing_objection=True), "offers")
    assert allowed.allowed and not refused.allowed
    assert allowed.assistance_mode == refused.assistance_mode == mode


def test_the_assistance_mode_defaults_to_bot_ok():
    assert decide(document()).assistance_mode == "bot_ok"
