"""An estimate of the yearly footprint of a customer's choices, per channel. Pure: no database."""

from dataclasses import dataclass
from decimal import Decimal

from preferences.document import PreferenceDocument
from preferences.domain import ChannelCode, DeliveryMode, SubscriptionStatus


@dataclass(frozen=True)
class Footprint:
    total_g: Decimal
    by_channel: dict[str, Decimal]  # channel code → grams a year, largest first
    best_saving: tuple[str, str, Decimal] | None  # (topic code, channel code, grams a year saved)


def channels_for_topic(document: PreferenceDocument, topic) -> list[str]:
    """The channels a topic's messages would go to: every chosen one, or the first in the ranking."""
    chosen = [
        code
        for code in document.ranking()
        if code in topic.allowed_channels and document.subscription_status(topic, code) == SubscriptionStatus.IN
    ]
    if topic.has_delivery_mode and document.topic_setting(topic, "delivery_mode") != DeliveryMode.ALL:
        usable = [code for code in chosen if code in document.usable_channels()]
        return (usable or chosen)[:1]
    return chosen


def footprint_estimate(document: PreferenceDocument) -> Footprint:
    grams = {channel.code: channel.footprint_g_co2e for channel in document.catalog.channels}
    by_channel: dict[str, Decimal] = {}
    savings: list[tuple[Decimal, str, str]] = []
    for topic in document.catalog.topics:
        yearly = topic.messages_per_month * 12
        channels = channels_for_topic(document, topic)
        if topic.paper_copy_available and document.topic_setting(topic, "paper_copy"):
            if ChannelCode.POSTAL not in channels:
                channels = [*channels, ChannelCode.POSTAL]
        for code in channels:
            amount = yearly * grams.get(code, Decimal("0"))
            by_channel[code] = by_channel.get(code, Decimal("0")) + amount
            if amount > 0:
                savings.append((amount, topic.code, code))
    ordered = dict(sorted(by_channel.items(), key=lambda item: item[1], reverse=True))
    best = max(savings, default=None)
    return Footprint(
        total_g=sum(ordered.values(), Decimal("0")),
        by_channel=ordered,
        best_saving=(best[1], best[2], best[0]) if best else None,
    )
