"""The marketing pause in the contact plan, case by case. Pure: no database."""

from datetime import UTC, datetime, time, timedelta

from tests.api.test_contact_plan_rules import PARIS, decide, document

AT = datetime(2026, 3, 10, 11, 0, tzinfo=PARIS)  # a Tuesday
OFFERS_BY_EMAIL = {"offers.email": "in"}


def test_a_running_pause_refuses_marketing_until_its_end():
    end = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    plan = decide(document(subscriptions=OFFERS_BY_EMAIL, marketing_paused_until=end), "offers", at=AT)
    assert not plan.allowed and plan.reasons == ["marketing_paused"]
    assert plan.channels == [] and plan.next_allowed_at == end
    assert [(item.channel, item.reason) for item in plan.deferred] == [("email", "marketing_paused")]


def test_a_pause_stops_applying_at_its_end_by_itself():
    end = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    doc = document(subscriptions=OFFERS_BY_EMAIL, marketing_paused_until=end)
    assert decide(doc, "offers", at=end).allowed  # the end itself is free
    assert decide(doc, "offers", at=end + timedelta(days=30)).allowed
    assert not decide(doc, "offers", at=end - timedelta(seconds=1)).allowed


def test_a_pause_is_about_marketing_only():
    doc = document(marketing_paused_until=AT + timedelta(days=90))
    plan = decide(doc, "billing", at=AT)
    assert plan.allowed and plan.reasons == []


def test_the_end_of_a_pause_in_quiet_hours_waits_for_the_quiet_hours_to_end():
    end = datetime(2026, 6, 10, 23, 0, tzinfo=PARIS)
    doc = document(
        points=("mobile",),
        subscriptions={"offers.sms": "in"},
        marketing_paused_until=end,
        quiet_hours_start=time(22, 0),
        quiet_hours_end=time(8, 0),
    )
    plan = decide(doc, "offers", at=AT)
    assert plan.reasons == ["marketing_paused"]
    assert plan.next_allowed_at == datetime(2026, 6, 11, 8, 0, tzinfo=PARIS)


def test_a_weekly_cap_that_frees_later_than_the_pause_ends_gives_the_later_moment():
    sent = [AT - timedelta(hours=1)]
    end = AT + timedelta(days=2)
    doc = document(subscriptions=OFFERS_BY_EMAIL, marketing_paused_until=end, weekly_marketing_cap=1)
    plan = decide(doc, "offers", at=AT, sent=sent)
    assert plan.reasons == ["marketing_paused", "frequency_cap"]
    assert plan.next_allowed_at == sent[0] + timedelta(days=7)
    assert plan.deferred[0].reason == "frequency_cap"


def test_a_pause_with_something_else_in_the_way_is_not_only_a_matter_of_time():
    end = AT + timedelta(days=30)
    plan = decide(document(marketing_paused_until=end), "offers", at=AT)  # offers never chosen
    assert set(plan.reasons) == {"marketing_paused", "opted_out"} and plan.next_allowed_at is None
    objecting = decide(document(marketing_paused_until=end, marketing_objection=True), "offers", at=AT)
    assert "marketing_objection" in objecting.reasons and objecting.next_allowed_at is None


def test_a_pause_already_over_changes_nothing():
    doc = document(subscriptions=OFFERS_BY_EMAIL, marketing_paused_until=AT - timedelta(days=1))
    plan = decide(doc, "offers", at=AT)
    assert plan.allowed and plan.reasons == []
