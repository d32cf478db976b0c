"""The preference document: everything a customer chose, with the catalogue needed to read it, and
the rules that give each setting its effective value. Pure: it reads no database."""

from dataclasses import dataclass, field
from typing import Any

from preferences.catalog import Catalog
from preferences.domain import (
    CHANNEL_CONTACT_POINT,
    DEFAULT_CHANNEL_RANKING,
    SubscriptionStatus,
    TopicKind,
    channel_contact_point_kinds,
    contact_point_serves,
)
from preferences.keys import SettingKey
from preferences.models import ContactPoint, Customer, Topic
from preferences.state import CUSTOMER_FIELDS, customer_value_to_state


@dataclass
class PreferenceDocument:
    """Everything a customer chose, with the catalogue needed to read it."""

    customer: Customer
    contact_points: list[ContactPoint]
    subscriptions: dict[tuple[str, str], str]
    catalog: Catalog
    _usable: set[str] | None = field(default=None, repr=False)

    # --- Effective values (stored choice, or the default).
    def subscription_status(self, topic: Topic, channel: str) -> str:
        stored = self.subscriptions.get((topic.code, channel))
        if stored is not None:
            return stored
        if self.customer.marketing_objection and topic.kind == TopicKind.MARKETING:
            return SubscriptionStatus.OUT
        return SubscriptionStatus.IN if channel in topic.default_channels else SubscriptionStatus.OUT

    def topic_setting(self, topic: Topic, name: str) -> Any:
        stored = (self.customer.topic_settings or {}).get(topic.code, {}).get(name)
        if stored is not None:
            return stored
        if name == "ai_level":
            return self.customer.ai_default
        if name == "delivery_mode":
            return "first" if topic.has_delivery_mode else None
        if name == "paper_copy":
            return False
        return None

    def ranking(self) -> list[str]:
        stored = [code for code in (self.customer.channel_ranking or []) if code in DEFAULT_CHANNEL_RANKING]
        return stored + [code for code in DEFAULT_CHANNEL_RANKING if code not in stored]

    def usable_channels(self) -> set[str]:
        """Channels the customer can be reached on: each needs a usable contact point."""
        if self._usable is None:
            self._usable = {channel for channel in CHANNEL_CONTACT_POINT if self.contact_point_for(channel)}
        return self._usable

    def channel_usable(self, channel: str) -> bool:
        """Whether `channel in usable_channels()`, looking for this channel's contact point alone: a plan
        asks about the channels the customer chose, not all six (a tenth of its time, profiled)."""
        if self._usable is not None:
            return channel in self._usable
        return channel in CHANNEL_CONTACT_POINT and self.contact_point_for(channel) is not None

    def contact_point_for(self, channel: str) -> ContactPoint | None:
        """Where a message on this channel goes: the first usable contact point of the channel's preferred
        kind (a messaging account before a mobile number), in the order the customer added them."""
        for kind in channel_contact_point_kinds(channel):
            for point in self.contact_points:
                if point.kind == kind and point.is_usable and contact_point_serves(
                    channel=channel, kind=point.kind, phone_type=point.phone_type
                ):
                    return point
        return None

    # --- The flat stored state (see preferences.state).
    def state(self) -> dict[str, Any]:
        customer = self.customer
        state: dict[str, Any] = {}
        for name in CUSTOMER_FIELDS:
            state[str(SettingKey.customer(name))] = customer_value_to_state(name, getattr(customer, name))
        for topic_code, settings in (customer.topic_settings or {}).items():
            for name, value in settings.items():
                if value is not None:
                    state[str(SettingKey.topic(topic_code, name))] = value
        for (topic_code, channel), status in self.subscriptions.items():
            state[str(SettingKey.subscription(topic_code, channel))] = status
        for point in self.contact_points:
            state[str(SettingKey.contact_point(point.pk))] = contact_point_state(point)
        return state


def contact_point_state(point: ContactPoint) -> dict[str, Any]:
    return {
        "kind": point.kind,
        "value": point.value,
        "phone_type": point.phone_type,
        "verified": point.verified_at is not None,
    }
