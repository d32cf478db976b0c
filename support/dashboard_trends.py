"""The dashboard over time, read from the consent ledger: opt-outs per week by channel, and the share of
AI choices that refuse AI, per week (two aggregate queries, whatever the size of the ledger). Weeks start
on Monday in the console's time zone (TruncWeek, on SQLite and PostgreSQL alike)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from preferences.catalog import Catalog
from preferences.domain import AiLevel, SubscriptionStatus
from preferences.models import ConsentEvent

# Drawing of the stacked chart (SVG user units; the SVG scales to its container).
STACK_MAX_WIDTH = 480
STACK_ROW_HEIGHT = 46
STACK_BAR_HEIGHT = 18
# One fill per channel, in the order of the catalogue; each is told apart by the legend and the table.
CHANNEL_FILLS = ["#0b4f9c", "#b35900", "#1d6b33", "#7a2a8c", "#8a1c2b", "#3d4a5c", "#00707a", "#5c5c00"]
AI_KEY = "customer.ai_default"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the moment's week, in the current time zone."""
    local = timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return local - timedelta(days=local.weekday())


def week_label(week: date) -> str:
    return _("Week of %(date)s") % {"date": week.strftime("%d/%m/%Y")}


def _week_of(value: datetime) -> date:
    # PostgreSQL answers an aware datetime, SQLite (with USE_TZ) may answer a naive one in local time.
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


@dataclass(frozen=True)
class StackedRow:
    week: date
    label: str
    counts: list[int]  # one per series, in the chart's order

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class StackedChart:
    """Weeks down, series (channels) stacked across: drawn as SVG, told in full by the table beside it."""

    slug: str
    title: str
    series: list[str]
    rows: list[StackedRow]
    note: str = ""

    @property
    def fills(self) -> list[dict]:
        return [{"label": label, "fill": CHANNEL_FILLS[index % len(CHANNEL_FILLS)]} for index, label in enumerate(self.series)]

    @property
    def width(self) -> int:
        return STACK_MAX_WIDTH + 80

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * STACK_ROW_HEIGHT + 4

    @property
    def bars(self) -> list[dict]:
        top = max((row.total for row in self.rows), default=0) or 1
        fills = [entry["fill"] for entry in self.fills]
        bars = []
        for index, row in enumerate(self.rows):
            y = index * STACK_ROW_HEIGHT
            x = 0.0
            segments = []
            for series_index, count in enumerate(row.counts):
                width = round(STACK_MAX_WIDTH * count / top, 1)
                if width:
                    segments.append({"x": x, "width": width, "fill": fills[series_index]})
                x = round(x + width, 1)
            bars.append(
                {
                    "row": row,
                    "label_y": y + 16,
                    "bar_y": y + 22,
                    "bar_height": STACK_BAR_HEIGHT,
                    "segments": segments,
                    "value_x": x + 8,
                    "value_y": y + 22 + STACK_BAR_HEIGHT - 4,
                }
            )
        return bars


def weeks_since(start: datetime, count: int) -> list[date]:
    return [(start + timedelta(weeks=offset)).date() for offset in range(count)]


def opt_outs_by_channel(*, catalog: Catalog, start: datetime, weeks: list[date]) -> StackedChart:
    """One query: the ledger's opt-outs (subscription.<topic>.<channel> → "out") per week and key."""
    rows = (
        ConsentEvent.objects.filter(occurred_at__gte=start, key__startswith="subscription.", new_value=SubscriptionStatus.OUT)
        .annotate(week=TruncWeek("occurred_at"))
        .values_list("week", "key")
        .annotate(count=Count("pk"))
        .order_by()
    )
    channels = [channel.code for channel in catalog.channels]
    counts: dict[tuple[date, str], int] = {}
    for week, key, count in rows:
        channel = key.rsplit(".", 1)[-1]
        counts[(_week_of(week), channel)] = counts.get((_week_of(week), channel), 0) + count
    return StackedChart(
        slug="opt-outs-per-week",
        title=_("Opt-outs per week, by channel"),
        series=[channel.name for channel in catalog.channels],
        rows=[
            StackedRow(week=week, label=week_label(week), counts=[counts.get((week, code), 0) for code in channels])
            for week in weeks
        ],
        note=_("Every topic switched off on a channel, by the customer, staff, a link or an SMS STOP reply."),
    )


def ai_refusals_by_week(*, start: datetime, weeks: list[date]) -> list[tuple[date, int, int]]:
    """One query: per week, the general AI choices recorded in the ledger and how many refuse AI
    (human_only): (week, refusing, choices)."""
    rows = (
        ConsentEvent.objects.filter(occurred_at__gte=start, key=AI_KEY)
        .annotate(week=TruncWeek("occurred_at"))
        .values("week")
        .annotate(choices=Count("pk"), refusing=Count("pk", filter=Q(new_value=AiLevel.HUMAN_ONLY)))
        .order_by()
    )
    by_week = {_week_of(row["week"]): (row["refusing"], row["choices"]) for row in rows}
    return [(week, *by_week.get(week, (0, 0))) for week in weeks]
