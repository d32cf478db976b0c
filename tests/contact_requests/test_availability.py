"""The pure calendar of a request: the customer's slots, quiet hours and zone against the team's
opening hours (DST, French public holidays), the proposed moments and the deadline. No database."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from contact_requests.availability import (
    CustomerWindow,
    Misfit,
    TeamHours,
    customer_window,
    deadline_compute,
    moment_misfits,
    moments_proposed,
)

PARIS = ZoneInfo("Europe/Paris")
TEAM = TeamHours()  # Monday to Friday 9:00–18:00, Paris, public holidays off
ANY_TIME = CustomerWindow()


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def window(slots=(), *, channel="phone", zone="Europe/Paris", quiet=None):
    start, end = quiet or (None, None)
    return customer_window(time_zone=zone, slots=slots, channel=channel, quiet_start=start, quiet_end=end)


# --- Deadlines ------------------------------------------------------------------------------------


def test_the_deadline_counts_opening_hours_only():
    # Wednesday 17:00 + 24 opening hours: 1 h on Wednesday, 9 Thursday, 9 Friday, 5 on Monday.
    assert deadline_compute(start=paris(2026, 12, 2, 17), response_hours=24, team=TEAM, window=ANY_TIME) == paris(
        2026, 12, 7, 14
    )


def test_a_request_made_at_night_starts_counting_at_opening():
    assert deadline_compute(start=paris(2026, 12, 2, 23), response_hours=2, team=TEAM, window=ANY_TIME) == paris(
        2026, 12, 3, 11
    )


def test_the_deadline_never_starts_before_the_customers_first_slot():
    # Chose weekday afternoons; asked on Wednesday at 9:00: the clock starts at 14:00.
    assert deadline_compute(
        start=paris(2026, 12, 2, 9), response_hours=2, team=TEAM, window=window(["weekday_afternoon"])
    ) == paris(2026, 12, 2, 16)


def test_a_slot_outside_the_team_hours_starts_the_clock_at_that_slot():
    # Saturday morning only: nothing fits the team; the clock starts Saturday 9:00 and counts Monday.
    deadline = deadline_compute(
        start=paris(2026, 12, 2, 10), response_hours=3, team=TEAM, window=window(["saturday_morning"])
    )
    assert deadline == paris(2026, 12, 7, 12)


def test_quiet_hours_hold_the_clock_for_a_call_not_for_an_email():
    quiet = (time(8), time(12))
    call = deadline_compute(start=paris(2026, 12, 2, 7), response_hours=1, team=TEAM, window=window(quiet=quiet))
    email = deadline_compute(
        start=paris(2026, 12, 2, 7), response_hours=1, team=TEAM, window=window(quiet=quiet, channel="email")
    )
    assert call == paris(2026, 12, 2, 13)
    assert email == paris(2026, 12, 2, 10)


def test_the_deadline_crosses_the_spring_dst_change():
    # Friday 27 March 2026 17:00 (UTC+1) + 2 h: Monday 30 March 10:00 (UTC+2).
    deadline = deadline_compute(start=paris(2026, 3, 27, 17), response_hours=2, team=TEAM, window=ANY_TIME)
    assert deadline == paris(2026, 3, 30, 10)
    assert deadline.astimezone(UTC) == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_the_deadline_crosses_the_autumn_dst_change():
    deadline = deadline_compute(start=paris(2026, 10, 23, 17), response_hours=2, team=TEAM, window=ANY_TIME)
    assert deadline.astimezone(UTC) == datetime(2026, 10, 26, 9, tzinfo=UTC)  # 10:00 UTC+1


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (paris(2026, 4, 30, 17), paris(2026, 5, 4, 10)),  # 1 May (Friday) is a public holiday
        (paris(2026, 12, 24, 17), paris(2026, 12, 28, 10)),  # Christmas (Friday)
        (paris(2026, 5, 13, 17), paris(2026, 5, 15, 10)),  # Ascension Thursday 14 May
        (paris(2026, 7, 13, 17), paris(2026, 7, 15, 10)),  # 14 July (Tuesday)
    ],
)
def test_french_public_holidays_are_off(start, expected):
    assert deadline_compute(start=start, response_hours=2, team=TEAM, window=ANY_TIME) == expected


def test_a_team_open_on_public_holidays_counts_them():
    team = TeamHours(holidays_off=False)
    assert deadline_compute(start=paris(2026, 4, 30, 17), response_hours=2, team=team, window=ANY_TIME) == paris(
        2026, 5, 1, 10
    )


def test_a_team_that_never_opens_falls_back_to_plain_hours():
    team = TeamHours(periods=())
    start = paris(2026, 12, 2, 10)
    assert deadline_compute(start=start, response_hours=5, team=team, window=ANY_TIME) == paris(2026, 12, 2, 15)


def test_the_team_may_work_in_another_zone_with_a_lunch_break():
    team = TeamHours(zone="America/Martinique", periods=((0, time(8), time(12)), (0, time(13), time(17))))
    # Monday 7 December 2026, 11:00 in Martinique (UTC-4) + 2 h: 12:00–13:00 is closed → 14:00.
    start = datetime(2026, 12, 7, 11, tzinfo=ZoneInfo("America/Martinique"))
    assert deadline_compute(start=start, response_hours=2, team=team, window=ANY_TIME) == datetime(
        2026, 12, 7, 14, tzinfo=ZoneInfo("America/Martinique")
    )


# --- Whether a moment fits -------------------------------------------------------------------------


def test_a_moment_in_the_slot_and_the_opening_hours_fits():
    now = paris(2026, 12, 1, 8)
    assert moment_misfits(paris(2026, 12, 2, 10), team=TEAM, window=window(["weekday_morning"]), now=now) == ()


def test_wednesday_at_23_for_a_saturday_slot_with_quiet_hours_has_every_misfit():
    # The case: quiet hours 22:00–07:30 and only the Saturday 9–12 slot.
    customer = window(["saturday_morning"], quiet=(time(22), time(7, 30)))
    misfits = moment_misfits(paris(2026, 12, 2, 23), team=TEAM, window=customer, now=paris(2026, 12, 1, 8))
    assert misfits == (Misfit.OUTSIDE_SLOTS, Misfit.QUIET_HOURS, Misfit.TEAM_CLOSED)


def test_quiet_hours_across_midnight_cover_the_early_morning():
    customer = window(quiet=(time(22), time(7, 30)))
    now = paris(2026, 12, 1, 8)
    assert Misfit.QUIET_HOURS in moment_misfits(paris(2026, 12, 2, 7), team=TEAM, window=customer, now=now)
    assert Misfit.QUIET_HOURS not in moment_misfits(paris(2026, 12, 2, 7, 30), team=TEAM, window=customer, now=now)


def test_slots_are_read_in_the_customers_time_zone():
    # A customer in Montréal (UTC-5) chose weekday mornings: 9:00 there is 15:00 in Paris.
    customer = window(["weekday_morning"], zone="America/Toronto")
    now = paris(2026, 12, 1, 8)
    assert moment_misfits(paris(2026, 12, 2, 15), team=TEAM, window=customer, now=now) == ()
    assert moment_misfits(paris(2026, 12, 2, 10), team=TEAM, window=customer, now=now) == (Misfit.OUTSIDE_SLOTS,)


def test_a_public_holiday_is_closed_and_the_past_is_refused():
    now = paris(2026, 5, 1, 8)
    assert moment_misfits(paris(2026, 5, 1, 10), team=TEAM, window=ANY_TIME, now=now) == (Misfit.TEAM_CLOSED,)
    assert Misfit.PAST in moment_misfits(paris(2026, 4, 30, 10), team=TEAM, window=ANY_TIME, now=now)


def test_an_unknown_zone_falls_back_to_paris():
    customer = window(["weekday_morning"], zone="Mars/Olympus")
    assert moment_misfits(paris(2026, 12, 2, 10), team=TEAM, window=customer, now=paris(2026, 12, 1, 8)) == ()


# --- Proposals -------------------------------------------------------------------------------------


def test_proposals_are_the_next_slot_starts_inside_opening_hours():
    proposals = moments_proposed(now=paris(2026, 12, 2, 10, 5), team=TEAM, window=window(["weekday_afternoon"]))
    assert proposals == [paris(2026, 12, d, 14) for d in (2, 3, 4, 7, 8)]


def test_a_stretch_under_way_is_proposed_from_the_next_quarter_hour():
    proposals = moments_proposed(now=paris(2026, 12, 2, 10, 5), team=TEAM, window=window(["weekday_morning"]), count=2)
    assert proposals == [paris(2026, 12, 2, 10, 15), paris(2026, 12, 3, 9)]


def test_proposals_skip_holidays_and_weekends():
    proposals = moments_proposed(now=paris(2026, 12, 24, 19), team=TEAM, window=ANY_TIME, count=2)
    assert proposals == [paris(2026, 12, 28, 9), paris(2026, 12, 29, 9)]


def test_proposals_respect_quiet_hours():
    customer = window(["weekday_morning"], quiet=(time(22), time(10)))
    proposals = moments_proposed(now=paris(2026, 12, 2, 8), team=TEAM, window=customer, count=1)
    assert proposals == [paris(2026, 12, 2, 10)]


def test_nothing_is_proposed_when_nothing_fits():
    assert moments_proposed(now=paris(2026, 12, 2, 8), team=TEAM, window=window(["saturday_morning"])) == []
    assert moments_proposed(now=paris(2026, 12, 2, 8), team=TEAM, window=window(["weekday_evening"])) == []


def test_proposals_after_the_dst_change_keep_the_wall_clock():
    proposals = moments_proposed(now=paris(2026, 3, 27, 18, 30), team=TEAM, window=ANY_TIME, count=1)
    assert proposals == [paris(2026, 3, 30, 9)]
    assert proposals[0].astimezone(UTC).hour == 7


def test_quiet_hours_do_not_apply_to_email_and_equal_bounds_mean_none():
    assert window(quiet=(time(22), time(7)), channel="email").quiet is None
    assert window(quiet=(time(22), time(22))).quiet is None
    assert window(["nonsense", "weekday_lunch"]).slots == ("weekday_lunch",)
