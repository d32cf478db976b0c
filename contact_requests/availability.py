"""When a person may contact a customer about a request, and by when: pure functions, no database, no clock.

Three calendars meet here: the customer's chosen time slots (in their time zone), their quiet hours
(for calls and messages) and the team's opening hours (in the team's zone, French public holidays
off). Each becomes a sorted list of UTC intervals [start, end); what fits all three is "contactable".
The caller passes `now` and the configuration (see contact_requests.team for the team's hours).
"""

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from preferences.contact_plan import french_public_holidays

Interval = tuple[datetime, datetime]

DEFAULT_ZONE = "Europe/Paris"
# How far ahead to look for a moment that fits; a deadline is counted further if it needs to.
SEARCH_HORIZON = timedelta(days=28)
DEADLINE_HORIZON = timedelta(days=366)
PROPOSAL_STEP = timedelta(minutes=15)
# Two weeks see every weekday twice: enough to tell whether the team ever works in a weekly slot.
SLOT_CHECK_SPAN = timedelta(days=14)
WEEKDAYS = (0, 1, 2, 3, 4)

# The time slots a customer may choose (contact_requests.models.TimeSlot), in their own time zone.
SLOT_TIMES: dict[str, tuple[tuple[int, ...], time, time]] = {
    "weekday_morning": (WEEKDAYS, time(9), time(12)),
    "weekday_lunch": (WEEKDAYS, time(12), time(14)),
    "weekday_afternoon": (WEEKDAYS, time(14), time(18)),
    "weekday_evening": (WEEKDAYS, time(18), time(20)),
    "saturday_morning": ((5,), time(9), time(12)),
}
# Request channels on which a person calls or writes in real time: the customer's quiet hours apply.
QUIET_HOURS_REQUEST_CHANNELS = frozenset({"phone", "video", "messaging"})


class Misfit:
    """Why a moment does not fit (codes recorded with an appointment set outside)."""

    OUTSIDE_SLOTS = "outside_slots"
    QUIET_HOURS = "quiet_hours"
    TEAM_CLOSED = "team_closed"
    PAST = "past"


@dataclass(frozen=True)
class TeamHours:
    """The team's opening hours: (weekday 0=Monday, opens, closes) periods in `zone`."""

    zone: str = DEFAULT_ZONE
    periods: tuple[tuple[int, time, time], ...] = tuple((day, time(9), time(18)) for day in WEEKDAYS)
    holidays_off: bool = True


@dataclass(frozen=True)
class CustomerWindow:
    """When the customer said they may be contacted: no slots means any time; quiet hours may apply."""

    zone: str = DEFAULT_ZONE
    slots: tuple[str, ...] = ()
    quiet: tuple[time, time] | None = None


def customer_window(
    *, time_zone: str, slots: Iterable[str], channel: str, quiet_start: time | None, quiet_end: time | None
) -> CustomerWindow:
    """The customer's window for a request on `channel` (quiet hours only matter for calls and messages)."""
    quiet = None
    if channel in QUIET_HOURS_REQUEST_CHANNELS and quiet_start is not None and quiet_end is not None:
        if quiet_start != quiet_end:
            quiet = (quiet_start, quiet_end)
    return CustomerWindow(zone=time_zone or DEFAULT_ZONE, slots=tuple(s for s in slots if s in SLOT_TIMES), quiet=quiet)


# --- Intervals -----------------------------------------------------------------------------------


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or DEFAULT_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(DEFAULT_ZONE)


def _utc(day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    # A wall time skipped by a DST change (02:30 in spring) maps to the instant after the gap (PEP 495).
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _days(zone: zoneinfo.ZoneInfo, start: datetime, end: datetime) -> list[date]:
    """The local days touching [start, end), plus the one before (a window may run past midnight)."""
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for begin, finish in sorted(interval for interval in intervals if interval[0] < interval[1]):
        if result and begin <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], finish))
        else:
            result.append((begin, finish))
    return result


def _clipped(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(begin, start), min(finish, end)) for begin, finish in intervals if finish > start and begin < end]


def intervals_intersect(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """The parts of time in both sorted, disjoint lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        begin, finish = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if begin < finish:
            result.append((begin, finish))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def _complement(intervals: Sequence[Interval], start: datetime, end: datetime) -> list[Interval]:
    result: list[Interval] = []
    cursor = start
    for begin, finish in intervals:
        if begin > cursor:
            result.append((cursor, begin))
        cursor = max(cursor, finish)
    if cursor < end:
        result.append((cursor, end))
    return result


def team_open_intervals(team: TeamHours, start: datetime, end: datetime) -> list[Interval]:
    """When the team is open between start and end (public holidays off when the team says so)."""
    zone = _zone(team.zone)
    intervals = []
    for day in _days(zone, start, end):
        if team.holidays_off and day in french_public_holidays(day.year):
            continue
        for weekday, opens, closes in team.periods:
            if weekday == day.weekday() and opens < closes:
                intervals.append((_utc(day, opens, zone), _utc(day, closes, zone)))
    return _clipped(_merged(intervals), start, end)


def slot_intervals(window: CustomerWindow, start: datetime, end: datetime) -> list[Interval]:
    """The customer's chosen slots between start and end (all of it when they chose none)."""
    if not window.slots:
        return [(start, end)]
    zone = _zone(window.zone)
    intervals = []
    for day in _days(zone, start, end):
        for slot in window.slots:
            weekdays, begin, finish = SLOT_TIMES[slot]
            if day.weekday() in weekdays:
                intervals.append((_utc(day, begin, zone), _utc(day, finish, zone)))
    return _clipped(_merged(intervals), start, end)


def quiet_intervals(window: CustomerWindow, start: datetime, end: datetime) -> list[Interval]:
    """The customer's quiet hours between start and end (a window such as 22:00–07:30 spans midnight)."""
    if window.quiet is None:
        return []
    zone = _zone(window.zone)
    begin, finish = window.quiet
    intervals = []
    for day in _days(zone, start, end):
        next_day = day + timedelta(days=1) if finish <= begin else day
        intervals.append((_utc(day, begin, zone), _utc(next_day, finish, zone)))
    return _clipped(_merged(intervals), start, end)


def customer_free_intervals(window: CustomerWindow, start: datetime, end: datetime) -> list[Interval]:
    """In the customer's slots and out of their quiet hours."""
    free = _complement(quiet_intervals(window, start, end), start, end)
    return intervals_intersect(slot_intervals(window, start, end), free)


def contactable_intervals(team: TeamHours, window: CustomerWindow, start: datetime, end: datetime) -> list[Interval]:
    """When a person may contact the customer: the team is open, in the customer's slots, not in quiet hours."""
    return intervals_intersect(team_open_intervals(team, start, end), customer_free_intervals(window, start, end))


def slots_worked(team: TeamHours, *, zone: str, now: datetime) -> tuple[str, ...]:
    """The time slots (SLOT_TIMES, in the customer's `zone`) that overlap the team's weekly hours, in
    their offered order: only these may be chosen, since nobody would call in the others. A public
    holiday does not make the team stop working in a weekly slot, so holidays are left aside; `now`
    anchors the check (a customer's zone and the team's may change their clocks on different dates)."""
    start, end = now, now + SLOT_CHECK_SPAN
    opening = team_open_intervals(replace(team, holidays_off=False), start, end)
    return tuple(
        slot
        for slot in SLOT_TIMES
        if intervals_intersect(opening, slot_intervals(CustomerWindow(zone=zone, slots=(slot,)), start, end))
    )


def _contains(intervals: Sequence[Interval], moment: datetime) -> bool:
    return any(begin <= moment < finish for begin, finish in intervals)


# --- Questions the services and the console ask ------------------------------------------------------


def moment_misfits(moment: datetime, *, team: TeamHours, window: CustomerWindow, now: datetime) -> tuple[str, ...]:
    """Why an appointment at `moment` does not fit (Misfit codes, in a stable order); empty when it fits."""
    around = (moment - timedelta(days=2), moment + timedelta(days=2))
    reasons = []
    if moment <= now:
        reasons.append(Misfit.PAST)
    if not _contains(slot_intervals(window, *around), moment):
        reasons.append(Misfit.OUTSIDE_SLOTS)
    if _contains(quiet_intervals(window, *around), moment):
        reasons.append(Misfit.QUIET_HOURS)
    if not _contains(team_open_intervals(team, *around), moment):
        reasons.append(Misfit.TEAM_CLOSED)
    return tuple(reasons)


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = -((epoch - moment) // step)  # ceiling division
    return epoch + steps * step


def moments_proposed(
    *, now: datetime, team: TeamHours, window: CustomerWindow, count: int = 5, horizon: timedelta = SEARCH_HORIZON
) -> list[datetime]:
    """The next `count` moments that fit: the start of each contactable stretch (or the next quarter
    hour inside the one under way), in UTC; fewer, or none, when nothing fits within the horizon."""
    earliest = _ceil(now + timedelta(seconds=1), PROPOSAL_STEP)
    moments = []
    for begin, finish in contactable_intervals(team, window, now, now + horizon):
        moment = max(begin, earliest)
        if moment < finish:
            moments.append(moment)
        if len(moments) == count:
            break
    return moments


def deadline_compute(*, start: datetime, response_hours: float, team: TeamHours, window: CustomerWindow) -> datetime:
    """When a request created at `start` must be answered: `response_hours` of the team's opening
    hours, counted from the first moment that fits the customer (never before their first slot).

    Falls back gracefully: no contactable moment within the horizon → from the customer's first slot;
    a team that never opens → plain hours from there."""
    first_fit = contactable_intervals(team, window, start, start + SEARCH_HORIZON)
    first_slot = customer_free_intervals(window, start, start + SEARCH_HORIZON) or slot_intervals(
        window, start, start + SEARCH_HORIZON
    )
    clock_start = first_fit[0][0] if first_fit else first_slot[0][0] if first_slot else start
    remaining = timedelta(hours=response_hours)
    if remaining <= timedelta(0):
        return clock_start
    cursor = clock_start
    while cursor < clock_start + DEADLINE_HORIZON:  # a month at a time: most deadlines end in the first
        for begin, finish in team_open_intervals(team, cursor, cursor + SEARCH_HORIZON):
            if finish - begin >= remaining:
                return begin + remaining
            remaining -= finish - begin
        cursor += SEARCH_HORIZON
    return clock_start + timedelta(hours=response_hours)
