"""The supervisors' dashboard: the customer base's choices, in six aggregate queries whatever its size
(two of them over the ledger, for the weeks: support.dashboard_trends).

Each chart is plain data (rows of label, value, count) drawn as server-side SVG with a table
equivalent, and the same rows make the CSV download.
"""

import operator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from contact_requests.models import ACTIVE_STATUSES, UNANSWERED_STATUSES, ContactRequest
from preferences.catalog import Catalog, catalog_get
from preferences.domain import STAFF_AI_LEVEL_LABELS, AiLevel, AssistanceMode, ChannelCode, SubscriptionStatus
from preferences.models import Customer, Subscription
from support.dashboard_trends import StackedChart, ai_refusals_by_week, opt_outs_by_channel, week_label, weeks_since

WEEKS = 12

# Drawing of a horizontal bar chart (SVG user units; the SVG scales to its container).
CHART_WIDTH = 640
BAR_MAX_WIDTH = 480
ROW_HEIGHT = 46
BAR_HEIGHT = 18


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: float  # what the bar shows: a percentage, a count or kilograms
    count: int | None = None  # the number of customers or requests behind a share


@dataclass
class Chart:
    slug: str
    title: str
    unit: str  # "%", "" (a count) or "kg"
    rows: list[ChartRow]
    note: str = ""
    value_header: str = ""
    count_header: str = ""

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * ROW_HEIGHT + 4

    @property
    def width(self) -> int:
        return CHART_WIDTH

    @property
    def bars(self) -> list[dict]:
        """Geometry for the SVG template: a label line, then the bar and its value."""
        top = 100.0 if self.unit == "%" else max((row.value for row in self.rows), default=0) or 1
        bars = []
        for index, row in enumerate(self.rows):
            y = index * ROW_HEIGHT
            width = round(BAR_MAX_WIDTH * min(row.value, top) / top, 1)
            bars.append(
                {
                    "row": row,
                    "label_y": y + 16,
                    "bar_y": y + 22,
                    "bar_height": BAR_HEIGHT,
                    "width": width,
                    "value_x": width + 8,
                    "value_y": y + 22 + BAR_HEIGHT - 4,
                }
            )
        return bars


@dataclass
class Dashboard:
    generated_at: datetime
    customers: int
    charts: list[Chart] = field(default_factory=list)
    open_requests: int = 0
    overdue_requests: int = 0
    stacked: list[StackedChart] = field(default_factory=list)


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def dashboard_build(*, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard, in six queries (plus the cached catalogue)."""
    now = now or timezone.now()
    catalog = catalog_get()
    customer_figures = _customer_figures(catalog)
    total = customer_figures["total"]
    subscription_counts = _subscription_counts()
    effective_in = _effective_opt_ins(catalog, subscription_counts, total)
    dashboard = Dashboard(generated_at=now, customers=total)
    dashboard.charts.append(_channel_chart(catalog, effective_in, total))
    dashboard.charts.append(_ai_chart(customer_figures, total))
    dashboard.charts.append(_paper_chart(catalog, customer_figures, total))
    dashboard.charts.append(_assistance_chart(customer_figures, total))
    weekly, queue = _request_figures(now)
    dashboard.open_requests, dashboard.overdue_requests = queue["open"], queue["overdue"]
    start = _weeks_start(now)
    weeks = weeks_since(start, WEEKS)
    dashboard.charts.append(_ai_refusal_chart(ai_refusals_by_week(start=start, weeks=weeks)))
    dashboard.charts.extend(weekly)
    dashboard.stacked.append(opt_outs_by_channel(catalog=catalog, start=start, weeks=weeks))
    dashboard.charts.append(_footprint_chart(catalog, effective_in, customer_figures))
    return dashboard


# --- Queries -------------------------------------------------------------------------------------


def _customer_figures(catalog: Catalog) -> dict[str, int]:
    """Query 1: counts over every customer not erased, as conditional aggregates of one scan."""
    aggregates = {
        "total": Count("pk"),
        "human_first": Count("pk", filter=Q(assistance_mode=AssistanceMode.HUMAN_FIRST)),
        "objection": Count("pk", filter=Q(marketing_objection=True)),
    }
    for level in AiLevel.values:
        aggregates[f"ai_{level}"] = Count("pk", filter=Q(ai_default=level))
    papers = []
    for index, topic in enumerate(catalog.topics):
        if topic.paper_copy_available:
            paper = Q(**{f"topic_settings__{topic.code}__paper_copy": True})
            aggregates[f"paper_{index}"] = Count("pk", filter=paper)
            papers.append(paper)
    if papers:
        aggregates["paper_any"] = Count("pk", filter=reduce(operator.or_, papers))
    figures = Customer.objects.filter(erased_at__isnull=True).aggregate(**aggregates)
    figures.setdefault("paper_any", 0)
    return figures


def _subscription_counts() -> dict[tuple[int, str, str], int]:
    """Query 2: stored choices by (topic id, channel, status). Absent rows are the topic's default."""
    rows = (
        Subscription.objects.filter(customer__erased_at__isnull=True)
        .values_list("topic_id", "channel", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {(topic_id, channel, status): count for topic_id, channel, status, count in rows}


def _weeks_start(now: datetime) -> datetime:
    """Monday 00:00, local time, of the first of the WEEKS weeks shown (this one the last)."""
    this_week = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return this_week - timedelta(days=this_week.weekday(), weeks=WEEKS - 1)


def _request_figures(now: datetime) -> tuple[list[Chart], dict[str, int]]:
    """Queries 3 and 4: requests per week with service-level compliance, and the queue now."""
    start = _weeks_start(now)
    # A request counts for compliance once a person answered it, or once its due time passed
    # while it was still waiting (cancelled before its due time and never answered: not counted).
    measurable = Q(answered_at__isnull=False) | (
        Q(due_at__lt=now) & (Q(closed_at__isnull=True) | Q(closed_at__gt=F("due_at")))
    )
    rows = (
        ContactRequest.objects.filter(created_at__gte=start)
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(
            total=Count("pk"),
            measurable=Count("pk", filter=measurable),
            in_time=Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("due_at"))),
        )
        .order_by("week")
    )
    by_week = {
        timezone.localtime(row["week"]).date() if timezone.is_aware(row["week"]) else row["week"].date(): row
        for row in rows
    }
    volume, compliance = [], []
    for offset in range(WEEKS):
        week = (start + timedelta(weeks=offset)).date()
        row = by_week.get(week, {"total": 0, "measurable": 0, "in_time": 0})
        label = week_label(week)
        volume.append(ChartRow(label=label, value=row["total"], count=row["total"]))
        compliance.append(
            ChartRow(label=label, value=_share(row["in_time"], row["measurable"]), count=row["measurable"])
        )
    queue = ContactRequest.objects.aggregate(
        open=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=UNANSWERED_STATUSES, due_at__lt=now)),
    )
    charts = [
        Chart(
            slug="requests-per-week",
            title=_("Requests to talk to a person, per week"),
            unit="",
            rows=volume,
            value_header=_("Requests"),
        ),
        Chart(
            slug="service-level",
            title=_("Requests answered within the service level, per week"),
            unit="%",
            rows=compliance,
            note=_("Among requests answered, or still waiting after their due time."),
            value_header=_("Share answered in time"),
            count_header=_("Requests counted"),
        ),
    ]
    return charts, queue


# --- Charts from the figures ---------------------------------------------------------------------


def _ai_refusal_chart(weeks: list) -> Chart:
    return Chart(
        slug="ai-refusals-per-week",
        title=_("Share of AI choices refusing AI, per week"),
        unit="%",
        rows=[
            ChartRow(label=week_label(week), value=_share(refusing, choices), count=choices)
            for week, refusing, choices in weeks
        ],
        note=_(
            "Among the general AI choices recorded that week (new customers' starting choice included): the share "
            "choosing “no AI-written content”."
        ),
        value_header=_("Share refusing AI"),
        count_header=_("AI choices recorded"),
    )


def _effective_opt_ins(catalog: Catalog, counts: dict, total: int) -> dict[tuple[str, str], int]:
    """Customers opted in per (topic, channel): stored "in" rows, plus the default for the others.

    Objecting to marketing stores "out" rows for every marketing topic, so the default applies
    only to customers with no row; a marketing topic created after an objection is the exception
    this estimate ignores.
    """
    result = {}
    for topic in catalog.topics:
        for channel in topic.allowed_channels:
            stored = {status: counts.get((topic.pk, channel, status), 0) for status in SubscriptionStatus.values}
            opted_in = stored[SubscriptionStatus.IN]
            if channel in topic.default_channels:
                opted_in += max(0, total - sum(stored.values()))
            result[(topic.code, channel)] = opted_in
    return result


def _channel_chart(catalog: Catalog, effective_in: dict, total: int) -> Chart:
    rows = []
    for channel in catalog.channels:
        topics = [topic for topic in catalog.topics if channel.code in topic.allowed_channels]
        opted_in = sum(effective_in[(topic.code, channel.code)] for topic in topics)
        possible = total * len(topics)
        rows.append(ChartRow(label=channel.name, value=_share(opted_in, possible), count=opted_in))
    return Chart(
        slug="channels",
        title=_("Channel opt-in share"),
        unit="%",
        rows=rows,
        note=_("Share of customer × topic choices switched on, over the topics each channel can carry."),
        value_header=_("Share switched on"),
        count_header=_("Choices switched on"),
    )


def _ai_chart(figures: dict, total: int) -> Chart:
    rows = [
        ChartRow(label=str(label), value=_share(figures[f"ai_{value}"], total), count=figures[f"ai_{value}"])
        for value, label in STAFF_AI_LEVEL_LABELS.items()  # staff words, in the page and its CSV
    ]
    return Chart(
        slug="ai-levels",
        title=_("General choice about AI-written messages"),
        unit="%",
        rows=rows,
        value_header=_("Share of customers"),
        count_header=_("Customers"),
    )


def _paper_chart(catalog: Catalog, figures: dict, total: int) -> Chart:
    rows = [ChartRow(label=_("Any topic"), value=_share(figures["paper_any"], total), count=figures["paper_any"])]
    for index, topic in enumerate(catalog.topics):
        if topic.paper_copy_available:
            count = figures[f"paper_{index}"]
            rows.append(ChartRow(label=topic.name, value=_share(count, total), count=count))
    return Chart(
        slug="paper-copies",
        title=_("Customers asking for a paper copy"),
        unit="%",
        rows=rows,
        value_header=_("Share of customers"),
        count_header=_("Customers"),
    )


def _assistance_chart(figures: dict, total: int) -> Chart:
    rows = [
        ChartRow(label=_("Person first"), value=_share(figures["human_first"], total), count=figures["human_first"]),
        ChartRow(
            label=_("Object to all marketing"), value=_share(figures["objection"], total), count=figures["objection"]
        ),
    ]
    return Chart(
        slug="human-first",
        title=_("Person-first assistance and marketing objections"),
        unit="%",
        rows=rows,
        value_header=_("Share of customers"),
        count_header=_("Customers"),
    )


def _footprint_chart(catalog: Catalog, effective_in: dict, figures: dict) -> Chart:
    grams = {channel.code: channel.footprint_g_co2e for channel in catalog.channels}
    by_channel = {channel.code: Decimal("0") for channel in catalog.channels}
    for topic in catalog.topics:
        yearly = topic.messages_per_month * 12
        for channel in topic.allowed_channels:
            by_channel[channel] += effective_in[(topic.code, channel)] * yearly * grams.get(channel, Decimal("0"))
    for index, topic in enumerate(catalog.topics):
        if topic.paper_copy_available:
            paper = figures[f"paper_{index}"] * topic.messages_per_month * 12
            by_channel[ChannelCode.POSTAL] += paper * grams.get(ChannelCode.POSTAL, Decimal("0"))
    channels = catalog.channels_by_code
    rows = [
        ChartRow(label=channels[code].name, value=round(float(value) / 1000, 1))
        for code, value in sorted(by_channel.items(), key=lambda item: item[1], reverse=True)
    ]
    return Chart(
        slug="footprint",
        title=_("Estimated yearly footprint, kg CO2e"),
        unit="kg",
        rows=rows,
        note=_("An upper bound: as if every chosen channel received every message of its topic."),
        value_header=_("kg CO2e a year"),
    )
