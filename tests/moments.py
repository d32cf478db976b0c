"""Dated moments for tests that go through the API, moved to within a year of today.

The API answers only about moments within a year of its clock (api.serializers.PLAN_HORIZON: plans,
audiences, sends): a test written with a literal date such as "2026-03-10T11:00:00Z" (a Tuesday, noon
in Paris) starts failing once that date is more than a year old. `recent` moves such a moment back or
forth by whole 52-week steps, so that the anchor falls between 44 weeks before today and 8 weeks after
(room on both sides for the moments around it): the weekday and the time stay, and so does the season
(the anchor drifts a day or two a year: early March stays in winter time, far from any public holiday).
The step is chosen once per test process, so every moment of a test moves alike.
"""

from datetime import UTC, datetime, timedelta

STEP = timedelta(weeks=52)
# The moment the dated tests were written around; the others move with it.
ANCHOR = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
AHEAD = timedelta(weeks=8)
SHIFT = STEP * ((datetime.now(UTC) + AHEAD - ANCHOR) // STEP)


def recent(moment: datetime) -> datetime:
    """`moment` moved by the same whole number of weeks as every other (its offset kept)."""
    return moment + SHIFT


def recent_iso(text: str) -> str:
    """An ISO 8601 date-time moved as `recent` does, written as it was given ("Z" or its offset)."""
    moved = recent(datetime.fromisoformat(text)).isoformat()
    return moved.replace("+00:00", "Z") if text.endswith("Z") else moved
