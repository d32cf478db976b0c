"""The settings an agent may change on a customer's behalf in the console, and their current values."""

from typing import Any

from django.utils.translation import gettext as _

from preferences.document import PreferenceDocument
from preferences.history import CUSTOMER_FIELD_LABELS
from preferences.keys import CUSTOMER, SUBSCRIPTION, SettingKey
from preferences.state import CUSTOMER_FIELDS


def agent_changeable_settings(document: PreferenceDocument) -> list[tuple[str, str]]:
    """Every setting an agent may change on the customer's behalf, as (state key, label in plain
    words), in the order the console lists them."""
    channels = document.catalog.channels_by_code
    keys = [(str(SettingKey.customer(name)), str(CUSTOMER_FIELD_LABELS[name]())) for name in CUSTOMER_FIELDS]
    for topic in document.catalog.topics:
        for code in document.ranking():
            if code in topic.allowed_channels:
                label = channels[code].name if code in channels else code
                keys.append((str(SettingKey.subscription(topic.code, code)), f"{topic.name} · {label}"))
        if topic.paper_copy_available:
            keys.append((str(SettingKey.topic(topic.code, "paper_copy")), f"{topic.name} · {_('paper copy')}"))
        if topic.has_delivery_mode:
            keys.append((str(SettingKey.topic(topic.code, "delivery_mode")), f"{topic.name} · {_('delivery')}"))
        keys.append(
            (str(SettingKey.topic(topic.code, "ai_level")), f"{topic.name} · {_('messages written with AI')}")
        )
    return keys


def setting_current(document: PreferenceDocument, key: str) -> Any:
    """The effective value of a setting (stored, or the default)."""
    setting = SettingKey.parse(key)
    topics = document.catalog.topics_by_code
    if setting.kind == CUSTOMER:
        return document.state().get(key)
    if setting.kind == SUBSCRIPTION:
        return document.subscription_status(topics[setting.name], setting.detail)
    return document.topic_setting(topics[setting.name], setting.detail)
