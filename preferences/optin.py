"""Double opt-in: which opt-ins stay pending until the person confirms them, where the confirmation
goes, and the port through which a feature (links) sends it."""

from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from preferences.document import PreferenceDocument
from preferences.domain import (
    PRIOR_OPTIN_CHANNELS,
    ActorType,
    ChannelCode,
    ContactPointKind,
    SubscriptionStatus,
    TopicKind,
    contact_point_serves,
)
from preferences.keys import SUBSCRIPTION, SettingKey
from preferences.ledger import ChangeContext
from preferences.models import Customer


class ConfirmationSender(Protocol):
    """Sends one confirmation link per pending subscription key, to `email` or else to `mobile`,
    inside the change's transaction (links.services.optin_confirmation_request)."""

    def __call__(self, *, customer: Customer, keys: list[str], email: str = "", mobile: str = "") -> Any: ...


# The confirmations are one-click links, a feature above the core: the links app registers its
# sender when Django starts (links.apps), so the core owns the rule without importing links.
_sender: ConfirmationSender | None = None


def confirmation_sender_register(sender: ConfirmationSender) -> None:
    """Name the function that sends double opt-in confirmations (one, registered at start-up)."""
    global _sender
    _sender = sender


def _confirmation_sender() -> ConfirmationSender:
    if _sender is None:
        raise ImproperlyConfigured(
            "No double opt-in confirmation sender is registered: is `links` in INSTALLED_APPS?"
        )
    return _sender


@dataclass(frozen=True)
class OptinConfirmation:
    """What became of the confirmation of one subscription a change left pending (double opt-in):
    sent, and through which channel, or not sent and why (so the caller can tell whoever asked)."""

    topic: str
    channel: str
    sent: bool
    via: str | None  # "email" or "sms" when sent
    reason: str | None  # when not sent: OPTIN_NOT_SENT_NO_CONTACT_POINT


# The customer has neither a verified email address nor a verified mobile number: no confirmation
# can reach them, so the subscription stays pending until they add one and opt in themselves.
OPTIN_NOT_SENT_NO_CONTACT_POINT = "no_verified_contact_point"


# Marketing consent on a prior-opt-in channel must come from the person: an opt-in made by anyone
# else (an API client, an import, an agent) stays `pending` until the customer confirms it through a
# link sent to them: by email to their verified address or, without one, by SMS to their verified
# mobile number (double opt-in). The customer signed in to the portal, and the customer following
# that link, are the person. Pending is a stored status like any other, so the ledger records
# `… → pending` then `pending → in` and the state can still be rebuilt from it.
DOUBLE_OPTIN_EXEMPT_ACTORS = frozenset({ActorType.CUSTOMER, ActorType.LINK})


def double_optin_hold(document: PreferenceDocument, cleaned: dict[str, Any], context: ChangeContext) -> None:
    if context.actor_type in DOUBLE_OPTIN_EXEMPT_ACTORS:
        return
    topics = document.catalog.topics_by_code
    for key, value in cleaned.items():
        setting = SettingKey.parse(key)
        if setting.kind != SUBSCRIPTION or value != SubscriptionStatus.IN:
            continue
        topic, channel = topics[setting.name], setting.detail
        if topic.kind != TopicKind.MARKETING or channel not in PRIOR_OPTIN_CHANNELS:
            continue
        if document.subscription_status(topic, channel) != SubscriptionStatus.IN:
            cleaned[key] = SubscriptionStatus.PENDING


def double_optin_request(document: PreferenceDocument, keys: list[str]) -> list[OptinConfirmation]:
    """Send the confirmation links (queued in this transaction, through the registered sender) by
    email, or by SMS without a verified email address; say for each pending subscription what became
    of it."""
    if not keys:
        return []
    optin_confirmation_request = _confirmation_sender()
    customer = document.customer
    email, mobile = optin_confirmation_destination(document)
    if email:
        optin_confirmation_request(customer=customer, keys=keys, email=email)
        via, reason = ChannelCode.EMAIL, None
    elif mobile:
        optin_confirmation_request(customer=customer, keys=keys, mobile=mobile)
        via, reason = ChannelCode.SMS, None
    else:  # nobody can confirm it: the opt-in stays pending, and the caller is told so
        via, reason = None, OPTIN_NOT_SENT_NO_CONTACT_POINT
    pending = [SettingKey.parse(key) for key in keys]
    return [
        OptinConfirmation(topic=setting.name, channel=setting.detail, sent=via is not None, via=via, reason=reason)
        for setting in pending
    ]


def optin_confirmation_destination(document: PreferenceDocument) -> tuple[str, str]:
    """Where a double opt-in confirmation goes, as (email, mobile), one of them set or neither: the
    first verified email address in the document's order (as the customer added them), else a verified
    mobile number, except that a portal account's sign-in address (not verified yet, but the person's
    own) is used when there is no verified mobile.

    A rule of its own, not preferences.selectors.customer_email_address (the address we write to: the
    one verified first, else the sign-in address): a confirmation must reach the person, so a verified
    mobile comes before an unverified sign-in address, and it reads the loaded document (no query)."""
    verified = [p.value for p in document.contact_points if p.kind == ContactPointKind.EMAIL and p.is_verified]
    mobiles = [
        p.value
        for p in document.contact_points
        if p.kind == ContactPointKind.PHONE
        and p.is_verified
        and contact_point_serves(channel=ChannelCode.SMS, kind=p.kind, phone_type=p.phone_type)
    ]
    customer = document.customer
    sign_in = customer.user.email if customer.user_id else ""
    if verified:
        return verified[0], ""
    if sign_in and not mobiles:
        return sign_in, ""
    return "", mobiles[0] if mobiles else ""
