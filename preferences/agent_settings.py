"""The settings an agent may change on a customer's behalf in the console, and their current values."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from preferences.document import PreferenceDocument
from preferences.domain import AiLevel, DeliveryMode
from preferences.history import STAFF_FIELD_LABELS, value_text
from preferences.keys import CUSTOMER, SUBSCRIPTION, SettingKey
from preferences.state import CUSTOMER_FIELDS


@dataclass(frozen=True)
class AgentSetting:
    """One setting an agent may change: its state key, its label in plain (staff) words, its value as
    text (and in a few words, for a cell of the grid)."""

    key: str
    label: str
    value: str
    short: str = ""

    @property
    def cell(self) -> str:
        return self.short or self.value


def _short_value(key: str, value) -> str:
    """A grid cell's few words for the settings whose full wording is a sentence."""
    if key.endswith("delivery_mode"):
        return str({DeliveryMode.FIRST: _("first channel"), DeliveryMode.ALL: _("every channel")}.get(value, ""))
    if key.endswith("ai_level"):
        words = {AiLevel.AI_ALLOWED: _("AI allowed"), AiLevel.HUMAN_REVIEWED: _("AI, reviewed"), AiLevel.HUMAN_ONLY: _("no AI")}
        return str(words.get(value, ""))
    return ""


@dataclass(frozen=True)
class TopicSettings:
    """A topic's row of the console's grid: a cell per channel of the catalogue (None where the topic
    is never sent on that channel), then its paper copy, delivery and AI settings (None where the topic
    has no such setting)."""

    name: str
    channels: list[AgentSetting | None]
    paper_copy: AgentSetting | None
    delivery: AgentSetting | None
    ai: AgentSetting


@dataclass(frozen=True)
class AgentSettingsGrid:
    """Every setting an agent may change, laid out as the console shows them."""

    customer: list[AgentSetting]
    channel_names: list[str]
    topics: list[TopicSettings]

    def groups(self) -> list[tuple[str, list[AgentSetting]]]:
        """The same settings as (group name, settings) for a grouped picker: the customer's, then a topic's."""
        groups = [(str(_("Whole account")), self.customer)]
        for topic in self.topics:
            settings = [*topic.channels, topic.paper_copy, topic.delivery, topic.ai]
            groups.append((topic.name, [setting for setting in settings if setting is not None]))
        return groups

    def labels(self) -> dict[str, str]:
        """Each setting's label by its state key: the settings an agent may change, and no other."""
        return {item.key: item.label for _group, items in self.groups() for item in items}


def agent_settings_grid(document: PreferenceDocument) -> AgentSettingsGrid:
    """Every setting an agent may change on the customer's behalf, with its current value."""
    catalog = document.catalog

    def setting(key: SettingKey, label: str) -> AgentSetting:
        current = setting_current(document, str(key))
        value = value_text(str(key), current, catalog, for_staff=True)
        return AgentSetting(str(key), label, value, _short_value(str(key), current))

    customer = [setting(SettingKey.customer(name), str(STAFF_FIELD_LABELS[name]())) for name in CUSTOMER_FIELDS]
    topics = []
    for topic in catalog.topics:
        channels = [
            setting(SettingKey.subscription(topic.code, channel.code), f"{topic.name} · {channel.name}")
            if channel.code in topic.allowed_channels
            else None
            for channel in catalog.channels
        ]
        paper_copy = delivery = None
        if topic.paper_copy_available:
            paper_copy = setting(SettingKey.topic(topic.code, "paper_copy"), f"{topic.name} · {_('paper copy')}")
        if topic.has_delivery_mode:
            delivery = setting(SettingKey.topic(topic.code, "delivery_mode"), f"{topic.name} · {_('delivery')}")
        ai = setting(SettingKey.topic(topic.code, "ai_level"), f"{topic.name} · {_('messages written with AI')}")
        topics.append(TopicSettings(topic.name, channels, paper_copy, delivery, ai))
    return AgentSettingsGrid(customer, [channel.name for channel in catalog.channels], topics)


def setting_current(document: PreferenceDocument, key: str) -> Any:
    """The effective value of a setting (stored, or the default)."""
    setting = SettingKey.parse(key)
    topics = document.catalog.topics_by_code
    if setting.kind == CUSTOMER:
        return document.state().get(key)
    if setting.kind == SUBSCRIPTION:
        return document.subscription_status(topics[setting.name], setting.detail)
    return document.topic_setting(topics[setting.name], setting.detail)
