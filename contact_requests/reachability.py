"""Which contact point a person uses to reach the customer on each channel a request may ask for.

A request is a promise that someone will get in touch: it is only accepted on a channel for which
the customer has a usable contact point (verified where verification is required)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from contact_requests.models import PreferredChannel
from preferences.domain import ContactPointKind, PhoneType
from preferences.models import ContactPoint


@dataclass(frozen=True)
class ChannelNeed:
    """What a channel needs: a usable contact point of this kind (and phone type, when it matters)."""

    kind: str
    phone_type: str = ""
    # Why the channel is not offered, said to the customer, and what to add.
    missing: str = ""


CHANNEL_NEEDS: dict[str, ChannelNeed] = {
    PreferredChannel.PHONE: ChannelNeed(
        kind=ContactPointKind.PHONE, missing=_("To be called, add and verify a phone number.")
    ),
    PreferredChannel.EMAIL: ChannelNeed(
        kind=ContactPointKind.EMAIL, missing=_("To be answered by email, add and verify an email address.")
    ),
    # The link to join a video call is sent by email.
    PreferredChannel.VIDEO: ChannelNeed(
        kind=ContactPointKind.EMAIL,
        missing=_("For a video call we email you the link: add and verify an email address."),
    ),
    # WhatsApp, RCS and the like reach a mobile number.
    PreferredChannel.MESSAGING: ChannelNeed(
        kind=ContactPointKind.PHONE,
        phone_type=PhoneType.MOBILE,
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
        if point.kind == need.kind and point.is_usable and (not need.phone_type or point.phone_type == need.phone_type)
    ]


def reachable_channels(points: Iterable[ContactPoint]) -> list[str]:
    """The request channels the customer can be reached on, in the order they are offered."""
    points = list(points)
    return [channel for channel in PreferredChannel.values if channel_contact_points(points, channel)]


def channel_missing_text(channel: str) -> str:
    """Why a channel cannot be chosen yet, and what the customer can add, in the active language."""
    need = CHANNEL_NEEDS.get(channel)
    return str(need.missing) if need else ""
