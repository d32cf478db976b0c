"""The flat preference state: every stored choice of a customer under one key.

Keys: `customer.<field>`, `topic.<topic>.<field>`, `subscription.<topic>.<channel>` and
`contact_point.<id>`. Consent events record changes of these keys, so the stored state can always be
rebuilt from the ledger by applying each event's new value in order (`state_rebuild`).
"""

import json
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from common.time_zones import known_zones
from preferences.domain import (
    DEFAULT_CHANNEL_RANKING,
    WEEKLY_CAP_CHOICES,
    AiLevel,
    AssistanceMode,
    ChannelCode,
    DeliveryMode,
)
from preferences.keys import SettingKey

BOOLEAN_FIELDS = ("large_print", "plain_text_email", "easy_read", "marketing_objection")
CUSTOMER_FIELDS = (
    "language",
    "channel_ranking",
    "ai_default",
    "assistance_mode",
    "quiet_hours_start",
    "quiet_hours_end",
    "time_zone",
    "weekly_marketing_cap",
    *BOOLEAN_FIELDS,
    "marketing_paused_until",
)
# The longest marketing pause anyone may set (the customer's pages offer 1, 3 or 6 months), with a
# margin for the longest six calendar months (184 days) and for clocks.
PAUSE_MAX = timedelta(days=186)
TOPIC_FIELDS = ("delivery_mode", "paper_copy", "ai_level")
# The ledger's erasure event (privacy.services.customer_erase): a step in the customer's life, not a
# stored choice, so it is in the ledger and the change feed but not in the state.
ERASED_KEY = "customer.erased"
LIFECYCLE_KEYS = frozenset({ERASED_KEY})


class PreferenceError(ValidationError):
    """A change that breaks a rule; messages are keyed by state key, in the active language."""


def time_to_state(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def time_from_state(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


def moment_to_state(value: datetime | None) -> str | None:
    """A moment as the state and the ledger keep it: ISO 8601 in UTC, to the second."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat() if value is not None else None


def moment_from_state(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def customer_value_to_state(field: str, value: Any) -> Any:
    """A customer field's stored value in its flat state form (times and moments as text)."""
    if field in ("quiet_hours_start", "quiet_hours_end"):
        return time_to_state(value)
    if field == "marketing_paused_until":
        return moment_to_state(value)
    return value


def customer_value_from_state(field: str, value: Any) -> Any:
    """The inverse of customer_value_to_state: what the model field stores."""
    if field in ("quiet_hours_start", "quiet_hours_end"):
        return time_from_state(value)
    if field == "marketing_paused_until":
        return moment_from_state(value)
    return value


def _choice(value: Any, choices: Iterable[str], key: str) -> str:
    # Only text can be a choice: a list or an object from a JSON body is refused, not hashed.
    if not isinstance(value, str) or value not in set(choices):
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        shown = Truncator(shown).chars(80)
        allowed = ", ".join(choices)
        message = _("“%(value)s” is not one of the allowed values: %(allowed)s.")
        raise PreferenceError({key: message % {"value": shown, "allowed": allowed}})
    return value


def _boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise PreferenceError({key: _("Expected true or false.")})
    return value


def customer_value_clean(field: str, value: Any) -> Any:
    """Check and normalise a value for `customer.<field>`."""
    key = str(SettingKey.customer(field))
    if field == "language":
        return _choice(value, ("fr", "en"), key)
    if field == "channel_ranking":
        if not isinstance(value, list):
            raise PreferenceError({key: _("Send the ranking as a list of channels, your first choice first.")})
        for code in value:
            _choice(code, ChannelCode.values, key)
        if len(set(value)) != len(value):
            raise PreferenceError({key: _("The ranking must list each channel at most once.")})
        # Completed as the document reads it (the channels left out follow in the default order): a
        # ranking that changes nothing the customer sees is no change, and the ledger holds the whole order.
        return list(value) + [code for code in DEFAULT_CHANNEL_RANKING if code not in value]
    if field == "ai_default":
        return _choice(value, AiLevel.values, key)
    if field == "assistance_mode":
        return _choice(value, AssistanceMode.values, key)
    if field in ("quiet_hours_start", "quiet_hours_end"):
        if value in (None, ""):
            return None
        try:
            # A time or its text only: str() of a number could read as a time (10**30 as 10:00).
            text = value.isoformat() if isinstance(value, time) else value if isinstance(value, str) else ""
            return time_to_state(time.fromisoformat(text))
        except ValueError:
            raise PreferenceError({key: _("Enter a time such as 21:30.")}) from None
    if field == "time_zone":
        if not isinstance(value, str) or value not in known_zones():
            raise PreferenceError({key: _("“%(value)s” is not a known time zone.") % {"value": value}})
        return value
    if field == "weekly_marketing_cap":
        if value is None:
            return None
        # A number, as the document gives it: "2" (or "" for none) is what a form posts, and the forms
        # convert it; an API client that sends a string has a bug, refused like any other wrong type.
        if isinstance(value, bool) or not isinstance(value, int) or value not in WEEKLY_CAP_CHOICES:
            raise PreferenceError({key: _("Choose no limit, or 1, 2 or 5 messages a week.")})
        return value
    if field in BOOLEAN_FIELDS:
        return _boolean(value, key)
    if field == "marketing_paused_until":
        return _pause_end_clean(value, key)
    raise PreferenceError({key: _("Unknown setting.")})


def _pause_end_clean(value: Any, key: str) -> str | None:
    """The end of a marketing pause: none, or a moment with its time zone at most about six months
    ahead (a moment already past is accepted: it pauses nothing, as when an expired pause is put back)."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    try:
        # In UTC, where the state keeps it: a moment at the edge of the calendar (year 1 with an
        # offset ahead of UTC) has no UTC form and is refused like any other bad date.
        in_utc = moment.astimezone(UTC) if moment is not None and moment.tzinfo is not None else None
    except OverflowError:
        in_utc = None
    if in_utc is None:
        raise PreferenceError({key: _("Enter a date and time with its time zone, such as 2026-09-01T00:00:00Z.")})
    # A business rule on the value, not a decision in time: the clock only bounds how far ahead.
    if in_utc > timezone.now() + PAUSE_MAX:
        raise PreferenceError({key: _("Marketing can be paused for six months at most.")})
    return moment_to_state(in_utc)


def topic_value_clean(topic_code: str, field: str, value: Any) -> Any:
    """Check and normalise a value for `topic.<topic>.<field>` (None returns to the default)."""
    key = str(SettingKey.topic(topic_code, field))
    if value is None:
        return None
    if field == "delivery_mode":
        return _choice(value, DeliveryMode.values, key)
    if field == "ai_level":
        return _choice(value, AiLevel.values, key)
    if field == "paper_copy":
        return _boolean(value, key)
    raise PreferenceError({key: _("Unknown setting.")})


def state_apply(state: dict[str, Any], key: str, new_value: Any) -> None:
    """Apply one change to a flat state in place: None removes the key (back to the default)."""
    if key in LIFECYCLE_KEYS:
        return
    if new_value is None and not key.startswith("customer."):
        state.pop(key, None)
    else:
        state[key] = new_value


def state_rebuild(events: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The state that a sequence of (key, new_value) events, in ledger order, leaves behind."""
    state: dict[str, Any] = {}
    for key, new_value in events:
        state_apply(state, key, new_value)
    return state
