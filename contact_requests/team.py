"""The support team's contact settings as plain values: opening hours for scheduling and deadlines,
the urgent number and a readable summary of the hours for customers."""

from dataclasses import dataclass
from datetime import time
from itertools import groupby

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from contact_requests.availability import TeamHours
from contact_requests.models import OpeningPeriod, SupportTeam, Weekday

DEFAULT_TEAM_HOURS = TeamHours()


@dataclass(frozen=True)
class TeamContact:
    """What the customer needs in an urgent case: the number (may be empty) and the opening hours."""

    hours: TeamHours
    urgent_phone: str

    @property
    def opening_lines(self) -> list[str]:
        """E.g. ["Monday–Friday: 9:00–18:00"] or ["lundi–vendredi : 9 h – 18 h"], days with the same hours
        grouped, in the active language."""
        by_day: dict[int, tuple[tuple[time, time], ...]] = {}
        for weekday, opens, closes in sorted(self.hours.periods):
            by_day[weekday] = (*by_day.get(weekday, ()), (opens, closes))
        lines = []
        for hours, days in groupby(sorted(by_day.items()), key=lambda item: item[1]):
            numbers = [day for day, _hours in days]
            runs = _runs(numbers)
            day_text = ", ".join(
                str(Weekday(run[0]).label) if len(run) == 1 else f"{Weekday(run[0]).label}–{Weekday(run[-1]).label}"
                for run in runs
            )
            times = ", ".join(_span_text(opens, closes) for opens, closes in hours)
            lines.append(_("%(days)s: %(times)s") % {"days": day_text, "times": times})
        return lines


def _clock_text(moment: time) -> str:
    """A time of day as the reader writes it, like the time slots' labels: "9 h", "9 h 30"; "9:00"."""
    if (get_language() or "fr").startswith("fr"):
        return f"{moment.hour}\u00a0h" + (f"\u00a0{moment.minute:02d}" if moment.minute else "")
    return f"{moment.hour}:{moment.minute:02d}"


def _span_text(opens: time, closes: time) -> str:
    # French spaces the dash between two times that are written with spaces ("9 h – 18 h").
    dash = " – " if (get_language() or "fr").startswith("fr") else "–"
    return f"{_clock_text(opens)}{dash}{_clock_text(closes)}"


def _runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def team_contact_get() -> TeamContact:
    """The team's settings (two queries), or the defaults when none are configured."""
    team = SupportTeam.objects.order_by("pk").first()
    if team is None:
        return TeamContact(hours=DEFAULT_TEAM_HOURS, urgent_phone="")
    periods = tuple(
        OpeningPeriod.objects.filter(team=team).order_by("weekday", "opens").values_list("weekday", "opens", "closes")
    )
    hours = TeamHours(
        zone=team.time_zone or DEFAULT_TEAM_HOURS.zone,
        # A team row with no period yet keeps the default hours rather than being closed for ever.
        periods=periods or DEFAULT_TEAM_HOURS.periods,
        holidays_off=team.closed_on_public_holidays,
    )
    return TeamContact(hours=hours, urgent_phone=team.urgent_phone)


def team_hours_get() -> TeamHours:
    return team_contact_get().hours
