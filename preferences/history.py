"""The consent timeline in plain words, for the customer's history page and the support console: in the
customer's words ("Order of your channels") by default, in staff words with `for_staff=True`."""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.sentences import in_sentence
from common.time_zones import time_zone_name
from preferences.catalog import Catalog
from preferences.contact_points import contact_point_display
from preferences.domain import (
    STAFF_ACTOR_LABELS,
    STAFF_AI_LEVEL_LABELS,
    STAFF_ASSISTANCE_MODE_LABELS,
    STAFF_DELIVERY_MODE_LABELS,
    STAFF_SOURCE_LABELS,
    ActorType,
    AiLevel,
    AssistanceMode,
    ContactPointKind,
    DeliveryMode,
    Source,
    consent_reason_text,
)
from preferences.keys import CONTACT_POINT, CUSTOMER, SUBSCRIPTION, TOPIC, SettingKey
from preferences.models import ConsentEvent
from preferences.state import moment_from_state

CUSTOMER_FIELD_LABELS = {
    "language": lambda: _("Language of our messages"),
    "channel_ranking": lambda: _("Order of your channels"),
    "ai_default": lambda: _("AI, general choice"),
    "assistance_mode": lambda: _("When you ask for help"),
    "quiet_hours_start": lambda: _("Quiet hours start"),
    "quiet_hours_end": lambda: _("Quiet hours end"),
    "time_zone": lambda: _("Time zone"),
    "weekly_marketing_cap": lambda: _("Marketing messages a week, at most"),
    "large_print": lambda: _("Large print on paper"),
    "plain_text_email": lambda: _("Plain-text emails"),
    "easy_read": lambda: _("Easy-to-read wording"),
    "marketing_objection": lambda: _("Objection to marketing"),
    "marketing_paused_until": lambda: _("Marketing paused until"),
    "erased": lambda: _("Personal data erased"),
}
# The same settings as staff read them (the console's grid, override form and ledger): the customer's
# label where it fits both, a third-person one where the customer's says "you".
STAFF_FIELD_LABELS = {
    **CUSTOMER_FIELD_LABELS,
    "channel_ranking": lambda: _("Order of the customer's channels"),
    "assistance_mode": lambda: _("When the customer asks for help"),
}


@dataclass(frozen=True)
class EventRow:
    event: ConsentEvent
    what: str
    old: str
    new: str
    who: str
    how: str
    reason: str  # in the active language when it is a system reason code


def _choice_text(choices, value: Any, staff_labels: dict, for_staff: bool) -> str:
    if value not in choices.values:
        return str(value)
    return str(staff_labels[value] if for_staff else choices(value).label)


def value_text(key: str, value: Any, catalog: Catalog, *, for_staff: bool = False) -> str:
    """A setting's value in plain words: the customer's ("On my first available channel"), or staff's."""
    if value is None:
        if key == "customer.marketing_paused_until":
            return _("not paused")
        return _("default") if not key.startswith("contact_point.") else "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key.startswith("subscription."):
        return {"in": _("on"), "out": _("off"), "pending": _("waiting for confirmation")}.get(value, str(value))
    if key.endswith("ai_level") or key.endswith("ai_default"):
        return _choice_text(AiLevel, value, STAFF_AI_LEVEL_LABELS, for_staff)
    if key.endswith("delivery_mode"):
        return _choice_text(DeliveryMode, value, STAFF_DELIVERY_MODE_LABELS, for_staff)
    if key.endswith("assistance_mode"):
        return _choice_text(AssistanceMode, value, STAFF_ASSISTANCE_MODE_LABELS, for_staff)
    if key.endswith("channel_ranking"):
        channels = catalog.channels_by_code
        return ", ".join(channels[code].name if code in channels else code for code in value)
    if key.endswith("weekly_marketing_cap"):
        return str(value)
    if key == "customer.marketing_paused_until":
        moment = moment_from_state(value)
        return date_format(timezone.localtime(moment), "DATE_FORMAT") if moment else str(value)
    if key.startswith("contact_point."):
        verified = _("verified") if value.get("verified") else _("not verified")
        if value.get("kind") == ContactPointKind.POSTAL:
            first_line = value.get("value", "").splitlines()[0] if value.get("value") else ""
            return _("%(first_line)s… (postal address)") % {"first_line": first_line}
        shown = contact_point_display(kind=value.get("kind", ""), value=value.get("value", ""))
        return f"{shown} ({verified})"
    if key == "customer.time_zone" and not for_staff:
        return time_zone_name(value)
    if key == "customer.language":
        return {"fr": "Français", "en": "English"}.get(value, value)
    return str(value)


def _what(key: str, catalog: Catalog, for_staff: bool) -> str:
    setting = SettingKey.parse(key)
    if setting is None:
        return key
    topics = catalog.topics_by_code
    channels = catalog.channels_by_code
    if setting.kind == SUBSCRIPTION:
        topic = topics.get(setting.name)
        channel = channels.get(setting.detail)
        return _("“%(topic)s” by %(channel)s") % {
            "topic": topic.name if topic else setting.name,
            "channel": in_sentence(channel.name) if channel else setting.detail,
        }
    if setting.kind == TOPIC:
        topic = topics.get(setting.name)
        label = {
            "paper_copy": _("paper copy"),
            "delivery_mode": _("delivery"),
            "ai_level": _("messages written with AI"),
        }.get(setting.detail, setting.detail)
        return _("“%(topic)s”: %(setting)s") % {"topic": topic.name if topic else setting.name, "setting": label}
    if setting.kind == CUSTOMER:
        label = (STAFF_FIELD_LABELS if for_staff else CUSTOMER_FIELD_LABELS).get(setting.name)
        return label() if label else setting.name
    if setting.kind == CONTACT_POINT:
        return _("Contact point")
    return key


def event_rows(events, catalog: Catalog, *, for_staff: bool = False) -> list[EventRow]:
    """The events in the customer's words (their history, the emails sent to them) or, for the console,
    in staff words."""
    rows = []
    for event in events:
        who = _choice_text(ActorType, event.actor_type, STAFF_ACTOR_LABELS, for_staff)
        how = _choice_text(Source, event.source, STAFF_SOURCE_LABELS, for_staff)
        rows.append(
            EventRow(
                event=event,
                what=_what(event.key, catalog, for_staff),
                old=value_text(event.key, event.old_value, catalog, for_staff=for_staff),
                new=value_text(event.key, event.new_value, catalog, for_staff=for_staff),
                who=who,
                how=how,
                reason=consent_reason_text(reason_code=event.reason_code, reason=event.reason),
            )
        )
    return rows
