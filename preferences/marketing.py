"""Marketing held back by the customer: a pause of one, three or six months and its end, and the
marketing choices an objection cleared, read from the ledger and put back once it is lifted."""

import calendar
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.translation import gettext as _

from preferences.changes import PreferencesChanged, preferences_change
from preferences.contact_plan import marketing_paused_until
from preferences.domain import ChangeReason, SubscriptionStatus, TopicKind
from preferences.keys import SUBSCRIPTION, SettingKey
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from preferences.selectors import preference_document_get
from preferences.state import PreferenceError, moment_to_state

PAUSE_MONTHS = (1, 3, 6)
PAUSE_KEY = "customer.marketing_paused_until"
OBJECTION_KEY = "customer.marketing_objection"


def pause_end(*, start: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months later (the month's last day when it is shorter:
    31 January + 1 month is 28 or 29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def marketing_pause(*, customer_id: int, months: int, context: ChangeContext, now: datetime) -> PreferencesChanged:
    """Pause every marketing message for 1, 3 or 6 months from `now` (a running pause is replaced).
    The contact plan refuses marketing until then (reason `marketing_paused`), then lets it go again."""
    if isinstance(months, bool) or months not in PAUSE_MONTHS:
        raise PreferenceError({PAUSE_KEY: _("Choose a pause of 1, 3 or 6 months.")})
    until = moment_to_state(pause_end(start=now, months=months))
    return preferences_change(customer_id=customer_id, changes={PAUSE_KEY: until}, context=context)


def marketing_resume(*, customer_id: int, context: ChangeContext) -> PreferencesChanged:
    """End the pause now: marketing the customer chose may be sent again."""
    return preferences_change(customer_id=customer_id, changes={PAUSE_KEY: None}, context=context)


def marketing_pause_running(customer, *, now: datetime) -> datetime | None:
    """The end of the customer's pause if it still runs at `now` (the contact plan's own rule)."""
    return marketing_paused_until(customer, at=now)


@dataclass(frozen=True)
class ClearedChoices:
    """The marketing subscriptions the customer's latest objection switched off, that could be put back
    now (the channel still usable, the topic still marketing), and the objection's event."""

    objection_event_id: int | None
    keys: list[str]


def marketing_choices_cleared(*, customer_id: int) -> ClearedChoices:
    """What the latest objection to marketing cleared (from the ledger: the subscriptions it turned from
    in to out), still off and still possible to switch on. Empty while the objection stands."""
    document = preference_document_get(customer_id=customer_id)
    empty = ClearedChoices(objection_event_id=None, keys=[])
    if document.customer.marketing_objection:
        return empty
    objection = (
        ConsentEvent.objects.filter(customer_id=customer_id, key=OBJECTION_KEY)
        .order_by("-id")
        .values("id", "version", "new_value")[:2]
    )
    # The latest objection event is the lifting (false); the one before it set the objection.
    setting = next((event for event in objection if event["new_value"] is True), None)
    if setting is None or setting["version"] is None:
        return empty
    cleared = ConsentEvent.objects.filter(
        customer_id=customer_id, version=setting["version"], key__startswith=f"{SUBSCRIPTION}."
    ).values_list("key", "old_value")
    topics = document.catalog.topics_by_code
    keys = []
    for key, old in cleared:
        parsed = SettingKey.parse(key)
        topic = topics.get(parsed.name)
        if old != SubscriptionStatus.IN or topic is None or topic.kind != TopicKind.MARKETING:
            continue
        if parsed.detail not in topic.allowed_channels or parsed.detail not in document.usable_channels():
            continue
        if document.subscription_status(topic, parsed.detail) == SubscriptionStatus.IN:
            continue
        keys.append(key)
    return ClearedChoices(objection_event_id=setting["id"], keys=keys)


def marketing_choices_restore(*, customer_id: int, context: ChangeContext) -> PreferencesChanged:
    """Put back the marketing choices the latest objection cleared, once it is lifted: a change of the
    customer's own, whose events say which objection they reverse."""
    cleared = marketing_choices_cleared(customer_id=customer_id)
    if not cleared.keys:
        raise PreferenceError({OBJECTION_KEY: _("There are no marketing choices to put back.")})
    context = replace(context, reason_code=ChangeReason.MARKETING_RESTORE, reason=str(cleared.objection_event_id))
    return preferences_change(
        customer_id=customer_id, changes=dict.fromkeys(cleared.keys, SubscriptionStatus.IN), context=context
    )
