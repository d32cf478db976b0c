"""Which contact point a person uses to reach the customer on each channel a request may ask for.

A request is a promise that someone will get in touch: it is only accepted on a channel for which
the customer has a usable contact point (verified where verification is required)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from contact_requests.models import PreferredChannel
from preferences.domain import ChannelCode, ContactPointKind, contact_point_serves
from preferences.models import ContactPoint


@dataclass(frozen=True)
class ChannelNeed:
    """What a channel needs: a usable contact point of this kind, one that serves this channel of the
    catalogue (preferences.domain.contact_point_serves: a mobile for messaging, or a messaging account)."""

    kind: str
    channel: str
    # Why the channel is not offered, said to the customer, and what to add.
    missing: str = ""


CHANNEL_NEEDS: dict[str, ChannelNeed] = {
    PreferredChannel.PHONE: ChannelNeed(
        kind=ContactPointKind.PHONE, channel=ChannelCode.PHONE, missing=_("To be called, add and verify a phone number.")
    ),
    PreferredChannel.EMAIL: ChannelNeed(
        kind=ContactPointKind.EMAIL, channel=ChannelCode.EMAIL, missing=_("To be answered by email, add and verify an email address.")
    ),
    # The link to join a video call is sent by email.
    PreferredChannel.VIDEO: ChannelNeed(
        kind=ContactPointKind.EMAIL,
        channel=ChannelCode.EMAIL,
        missing=_("For a video call we email you the link: add and verify an email address."),
    ),
    # WhatsApp, RCS and the like reach a mobile number.
    PreferredChannel.MESSAGING: ChannelNeed(
        kind=ContactPointKind.PHONE,
        channel=ChannelCode.MESSAGING,
        missing=_("For messaging, add and verify a mobile phone number."),
    ),
}


def channel_contact_points(points: Iterable[ContactPoint], channel: str) -> list[ContactPoint]:
    """The customer's usable contact points for this channel, verified ones first by age."""
    need = CHANNEL_NEEDS.get(channel)
    if need is None:
        return []
    return [
        point
        for point in points
        if point.is_usable and contact_point_serves(channel=need.channel, kind=point.kind, phone_type=point.phone_type)
    ]


def reachable_channels(points: Iterable[ContactPoint]) -> list[str]:
    """The request channels the customer can be reached on, in the order they are offered."""
    points = list(points)
    return [channel for channel in PreferredChannel.values if channel_contact_points(points, channel)]


def channel_missing_text(channel: str) -> str:
    """Why a channel cannot be chosen yet, and what the customer can add, in the active language."""
    need = CHANNEL_NEEDS.get(channel)
    return str(need.missing) if need else ""
