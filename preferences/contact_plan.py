"""The contact plan: may a customer be contacted about a topic, when, on which channels, with AI or not.

A pure function of an already loaded preference document, the request, the time it is asked for
and the marketing messages recently reported as sent: no database, no clock read. The caller passes
`at` (the current time when the request gives none). French public holidays come from the
`holidays` package, which computes them without any I/O.
"""

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays
from django.utils import translation
from django.utils.translation import gettext as _

from preferences.document import PreferenceDocument
from preferences.domain import QUIET_HOURS_CHANNELS, AiLevel, ChannelCode, DeliveryMode, SubscriptionStatus, TopicKind

WEEK = timedelta(days=7)
DEFAULT_TIME_ZONE = "Europe/Paris"
# Marketing phone calls to consumers (décret 2022-1313, art. 1): Monday to Friday, 10:00–13:00 and
# 14:00–20:00, never on a public holiday. The décret's cap of four calls in 30 days is not checked here.
LEGAL_CALL_WINDOWS = ((time(10, 0), time(13, 0)), (time(14, 0), time(20, 0)))
# A bound on the search for the next allowed moment; a year of holidays and weekends needs far fewer.
MAX_STEPS = 64


class Reason(StrEnum):
    """Why a customer may not be contacted (now)."""

    MARKETING_OBJECTION = "marketing_objection"
    # The customer paused marketing until a date (preferences.marketing): next_allowed_at is its end.
    MARKETING_PAUSED = "marketing_paused"
    OPTED_OUT = "opted_out"
    PENDING_CONFIRMATION = "pending_confirmation"
    NO_VERIFIED_CONTACT_POINT = "no_verified_contact_point"
    AI_NOT_ALLOWED = "ai_not_allowed"
    FREQUENCY_CAP = "frequency_cap"
    QUIET_HOURS = "quiet_hours"
    LEGAL_CALL_WINDOW = "legal_call_window"
    # No moment ever fits: e.g. quiet hours 09:00–21:00 cover the whole legal window for a marketing
    # call. Not a matter of time (no next_allowed_at): only a change of the customer's settings helps.
    NO_ALLOWED_TIME = "no_allowed_time"


# Reasons that only time removes: with nothing else in the way, the plan gives `next_allowed_at`.
TIME_REASONS = frozenset({Reason.MARKETING_PAUSED, Reason.FREQUENCY_CAP, Reason.QUIET_HOURS, Reason.LEGAL_CALL_WINDOW})
FORMAT_NEEDS = ("large_print", "plain_text_email", "easy_read")


@dataclass(frozen=True)
class PlannedChannel:
    channel: str
    contact_point_id: int | None
    address: str | None


@dataclass(frozen=True)
class DeferredChannel:
    """A channel the customer chose that may only be used later."""

    channel: str
    not_before: datetime
    reason: str


@dataclass(frozen=True)
class AiRule:
    level: str
    allowed: bool
    requires_human_review: bool
    disclosure_required: bool
    disclosure_text: str | None


@dataclass(frozen=True)
class ContactPlan:
    customer_id: int
    language: str
    allowed: bool
    reasons: list[str]
    delivery_mode: str
    channels: list[PlannedChannel]
    deferred: list[DeferredChannel]
    paper_copy: bool
    paper_copy_address: PlannedChannel | None
    ai: AiRule
    format_needs: list[str]
    next_allowed_at: datetime | None
    assistance_mode: str  # human_first or bot_ok: whether a chatbot may answer this customer first


def contact_plan_decide(
    *,
    document: PreferenceDocument,
    topic,
    ai_generated: bool,
    at: datetime,
    marketing_sent_at: Sequence[datetime] = (),
) -> ContactPlan:
    """Decide for one customer. `marketing_sent_at`: when marketing messages were sent to them lately."""
    customer = document.customer
    is_marketing = topic.kind == TopicKind.MARKETING
    ai = ai_rule(level=document.topic_setting(topic, "ai_level"), language=customer.language)
    reasons: list[str] = []
    if ai_generated and not ai.allowed:
        reasons.append(Reason.AI_NOT_ALLOWED)

    candidates = [code for code in document.ranking() if code in topic.allowed_channels]
    if is_marketing and customer.marketing_objection:
        reasons.append(Reason.MARKETING_OBJECTION)
        chosen: list[str] = []
    else:
        statuses = [document.subscription_status(topic, code) for code in candidates]  # each read once
        chosen = [code for code, status in zip(candidates, statuses, strict=True) if status == SubscriptionStatus.IN]
        if not chosen:
            pending = SubscriptionStatus.PENDING in statuses
            reasons.append(Reason.PENDING_CONFIRMATION if pending else Reason.OPTED_OUT)
    usable = [code for code in chosen if document.channel_usable(code)]
    if chosen and not usable:
        reasons.append(Reason.NO_VERIFIED_CONTACT_POINT)

    clock = _CustomerClock(customer, is_marketing=is_marketing)
    start, start_reason = at, None
    # Both of these hold every channel back until a moment: the later one is where channels start.
    if is_marketing and (paused_until := marketing_paused_until(customer, at=at)) is not None:
        start, start_reason = paused_until, Reason.MARKETING_PAUSED
        reasons.append(Reason.MARKETING_PAUSED)
    if sends_counted(customer, topic):
        cap_free = weekly_cap_free_at(sent_at=marketing_sent_at, cap=customer.weekly_marketing_cap, at=at)
        if cap_free > at:
            reasons.append(Reason.FREQUENCY_CAP)
        if cap_free > start:
            start, start_reason = cap_free, Reason.FREQUENCY_CAP
    delivery_mode = _delivery_mode(document, topic)
    channels, deferred = _channels_in_time(
        document, usable, clock=clock, at=at, start=start, mode=delivery_mode, start_reason=start_reason
    )
    if usable and not channels:
        if not deferred:
            # Not now and never later: the customer's own settings leave no moment at all.
            reasons.append(Reason.NO_ALLOWED_TIME)
        # Nothing can go now: say what stands in the way at the moment asked about, on the channels
        # that will be usable later.
        later = {item.channel for item in deferred}
        for code in usable:
            block = clock.block(code, at) if code in later else None
            if block is not None and block not in reasons:
                reasons.append(block)

    only_time = bool(reasons) and all(reason in TIME_REASONS for reason in reasons)
    paper_copy = bool(topic.paper_copy_available and document.topic_setting(topic, "paper_copy"))
    return ContactPlan(
        customer_id=customer.pk,
        language=customer.language,
        allowed=not reasons and bool(channels),
        reasons=[str(reason) for reason in reasons],
        delivery_mode=delivery_mode,
        channels=[] if reasons else channels,
        deferred=deferred if not reasons or only_time else [],
        paper_copy=paper_copy,
        paper_copy_address=_planned(document, ChannelCode.POSTAL) if paper_copy else None,
        ai=ai,
        format_needs=[need for need in FORMAT_NEEDS if getattr(customer, need)],
        next_allowed_at=min(item.not_before for item in deferred) if only_time and deferred else None,
        assistance_mode=customer.assistance_mode,
    )


def sends_counted(customer, topic) -> bool:
    """Whether the plan counts the marketing messages sent to the customer: only a weekly cap does.
    Callers ask for the sends of these customers only."""
    return topic.kind == TopicKind.MARKETING and bool(customer.weekly_marketing_cap)


@lru_cache(maxsize=32)
def ai_rule(*, level: str, language: str) -> AiRule:
    """What the customer's AI level means for a sender; disclosure of AI use is always required.
    Remembered per level and language: a 1,000-customer plan switched languages a thousand times."""
    with translation.override(language):
        if level == AiLevel.AI_ALLOWED:
            text = _("This message was written with the help of artificial intelligence.")
            return AiRule(level, True, False, True, text)
        if level == AiLevel.HUMAN_REVIEWED:
            text = _("This message was drafted with the help of artificial intelligence and reviewed by a person.")
            return AiRule(level, True, True, True, text)
    return AiRule(AiLevel.HUMAN_ONLY, False, False, True, None)


def marketing_paused_until(customer, *, at: datetime) -> datetime | None:
    """The end of the customer's marketing pause when it is still running at `at`, else None: a pause
    stops applying at its end by itself (the one rule, read by the plan and by the customer's pages)."""
    until = customer.marketing_paused_until
    return until if until is not None and at < until else None


def weekly_cap_free_at(*, sent_at: Sequence[datetime], cap: int, at: datetime) -> datetime:
    """The first moment from `at` when fewer than `cap` messages were sent in the 7 days before it."""
    window = sorted(moment for moment in sent_at if at - WEEK < moment <= at)
    if len(window) < cap:
        return at
    # Once the oldest send that keeps the count at `cap` leaves the window, one more message may go.
    return window[len(window) - cap] + WEEK


def _delivery_mode(document: PreferenceDocument, topic) -> str:
    # Marketing topics have no delivery mode: they go to every channel the customer opted in to.
    if not topic.has_delivery_mode:
        return DeliveryMode.ALL
    return DeliveryMode.ALL if document.topic_setting(topic, "delivery_mode") == DeliveryMode.ALL else DeliveryMode.FIRST


def _planned(document: PreferenceDocument, channel: str) -> PlannedChannel | None:
    point = document.contact_point_for(channel)
    if point is None:
        return None
    return PlannedChannel(channel=channel, contact_point_id=point.pk, address=point.value)


def _channels_in_time(
    document: PreferenceDocument,
    usable: list[str],
    *,
    clock: "_CustomerClock",
    at: datetime,
    start: datetime,
    mode: str,
    start_reason: Reason | None,
) -> tuple[list[PlannedChannel], list[DeferredChannel]]:
    """The channels to use at `at`, in ranking order, and those that must wait (with until when)."""
    now: list[PlannedChannel] = []
    later: list[DeferredChannel] = []
    for code in usable:
        moment, reason = clock.available_from(code, start)
        if moment is None:
            continue  # never usable under the customer's own settings: neither now nor later
        if moment == at:
            now.append(_planned(document, code))
            if mode == DeliveryMode.FIRST:
                break
        else:
            later.append(DeferredChannel(channel=code, not_before=moment, reason=reason or start_reason or Reason.FREQUENCY_CAP))
    return now, later


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year).keys())


class _CustomerClock:
    """The customer's local time: quiet hours and, for marketing, the legal window for phone calls."""

    def __init__(self, customer, *, is_marketing: bool):
        try:
            self.zone = zoneinfo.ZoneInfo(customer.time_zone or DEFAULT_TIME_ZONE)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)
        self.quiet = _quiet_window(customer.quiet_hours_start, customer.quiet_hours_end)
        self.is_marketing = is_marketing

    def block(self, channel: str, moment: datetime) -> Reason | None:
        quiet = self.quiet and channel in QUIET_HOURS_CHANNELS
        if not quiet and not (self.is_marketing and channel == ChannelCode.PHONE):
            return None  # neither rule applies (an email, a letter): no need for the local time
        local = moment.astimezone(self.zone)
        if quiet and _in_window(local.time(), *self.quiet):
            return Reason.QUIET_HOURS
        if self.is_marketing and channel == ChannelCode.PHONE and not _in_legal_call_window(local):
            return Reason.LEGAL_CALL_WINDOW
        return None

    def available_from(self, channel: str, moment: datetime) -> tuple[datetime | None, Reason | None]:
        """The first moment from `moment` when the channel may be used, and what held it back first;
        None when there is none (quiet hours that cover every legal slot for a marketing call)."""
        first_reason = None
        for _step in range(MAX_STEPS):
            reason = self.block(channel, moment)
            if reason is None:
                return moment, first_reason
            first_reason = first_reason or reason
            local = moment.astimezone(self.zone)
            if reason == Reason.QUIET_HOURS:
                following = self._next_local(local, self.quiet[1])
            else:
                following = _legal_call_window_next(local, self.zone)
            # Through UTC, so that a local time in a DST gap becomes a real instant.
            moment = following.astimezone(UTC)
        # The week repeats: with no slot in MAX_STEPS moves (more than two weeks), there is none ever,
        # e.g. quiet hours 09:00-21:00 and a marketing call (legal only 10:00-13:00, 14:00-20:00).
        # This raised ValueError before, and the whole batch answered 500 (tests/security/test_properties.py).
        return None, first_reason

    def _next_local(self, local: datetime, at_time: time) -> datetime:
        """The first moment after `local` whose local time is `at_time`. Compared as instants: in the hour
        lived twice in autumn, 02:10 the second time comes after 02:30 the first time (a comparison of
        local times in one zone ignores which time it is, and answered that earlier 02:30)."""
        after = local.astimezone(UTC)
        for day in (local.date(), local.date() + timedelta(days=1)):
            for fold in (0, 1):  # the same instant unless the time is lived twice that day
                candidate = datetime.combine(day, at_time, tzinfo=self.zone).replace(fold=fold)
                if candidate.astimezone(UTC) > after:
                    return candidate
        raise AssertionError("a local time comes back within two days")  # pragma: no cover


def _quiet_window(start: time | None, end: time | None) -> tuple[time, time] | None:
    if start is None or end is None or start == end:
        return None
    return start, end


def _in_window(moment: time, start: time, end: time) -> bool:
    """Whether a local time falls in [start, end), a window that may run past midnight."""
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _legal_call_day(day: date) -> bool:
    return day.weekday() < 5 and day not in french_public_holidays(day.year)


def _in_legal_call_window(local: datetime) -> bool:
    return _legal_call_day(local.date()) and any(_in_window(local.time(), *window) for window in LEGAL_CALL_WINDOWS)


def _legal_call_window_next(local: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The start of the next legal window for a marketing call after a local moment outside of one."""
    if _legal_call_day(local.date()):
        for window_start, _window_end in LEGAL_CALL_WINDOWS:
            if local.time() < window_start:
                return datetime.combine(local.date(), window_start, tzinfo=zone)
    day = local.date() + timedelta(days=1)
    while not _legal_call_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, LEGAL_CALL_WINDOWS[0][0], tzinfo=zone)
