"""The vocabulary of preferences: channels, kinds, levels. Plain Python, no database."""

import zoneinfo

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelCode(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    POSTAL = "postal", _("Postal mail")
    PHONE = "phone", _("Phone call")
    MESSAGING = "messaging", _("Messaging (WhatsApp, RCS…)")
    APP = "app", _("App notifications")


class ContactPointKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    POSTAL = "postal", _("Postal address")
    APP = "app", _("App installation")
    MESSAGING = "messaging", _("Messaging account")


class MessagingService(models.TextChoices):
    """The messaging services a messaging contact point may be on (stored as `<service>:<handle>`)."""

    WHATSAPP = "whatsapp", "WhatsApp"
    RCS = "rcs", "RCS"
    VIBER = "viber", "Viber"
    TELEGRAM = "telegram", "Telegram"
    SIGNAL = "signal", "Signal"
    MESSENGER = "messenger", "Messenger"


# Services whose handle is the customer's mobile number (E.164); the others take a user name.
PHONE_NUMBER_SERVICES = frozenset({MessagingService.WHATSAPP, MessagingService.RCS, MessagingService.VIBER})


class PhoneType(models.TextChoices):
    MOBILE = "mobile", _("mobile")
    LANDLINE = "landline", _("landline")


class TopicKind(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")


class SubscriptionStatus(models.TextChoices):
    IN = "in", _("opted in")
    OUT = "out", _("opted out")
    PENDING = "pending", _("waiting for confirmation")


class DeliveryMode(models.TextChoices):
    FIRST = "first", _("On my first available channel")
    ALL = "all", _("On every channel I chose, so I don't miss it")


class AiLevel(models.TextChoices):
    AI_ALLOWED = "ai_allowed", _("AI-written messages are fine, if they are labelled")
    HUMAN_REVIEWED = "human_reviewed", _("AI drafts only when a person has reviewed them")
    HUMAN_ONLY = "human_only", _("Only messages written by people")


class AssistanceMode(models.TextChoices):
    HUMAN_FIRST = "human_first", _("Put me through to a person first")
    BOT_OK = "bot_ok", _("A chatbot first is fine, a person when I ask")


# The same choices as staff read them (the console, its dashboard and its download): the labels above
# are the customer's own words ("Put me through to a person first"), which the customer's pages, their
# history and the emails sent to them keep. Every value of each enum, in the enum's order.
STAFF_DELIVERY_MODE_LABELS = {
    DeliveryMode.FIRST: _("First available channel"),
    DeliveryMode.ALL: _("Every chosen channel"),
}
STAFF_AI_LEVEL_LABELS = {
    AiLevel.AI_ALLOWED: _("AI-written messages allowed, if labelled"),
    AiLevel.HUMAN_REVIEWED: _("AI drafts only after a person reviewed them"),
    AiLevel.HUMAN_ONLY: _("Only messages written by people"),
}
STAFF_ASSISTANCE_MODE_LABELS = {
    AssistanceMode.HUMAN_FIRST: _("A person first"),
    AssistanceMode.BOT_OK: _("A chatbot first, a person on request"),
}


class SystemReason(models.TextChoices):
    """Why the system itself changed a customer's preferences: a consent event stores the code (as its
    reason_code, with no free text), and each reader sees the sentence in their own language."""

    SUPPRESSION_LIST = "suppression_list", _(
        "This address belongs to a person who had their data erased: no marketing without their consent."
    )
    # `make run`'s demo customer (demo.management.commands.demo_data): a code, so the French history
    # page does not show the English words "demo data".
    DEMO_DATA = "demo_data", _("Demonstration data, loaded to try the site out.")


class ChangeReason(models.TextChoices):
    """Why a customer's own change was made, when it puts back earlier values: the code, with the id
    of the event it reverses (an undo) as the event's reason; each reader sees it in their language."""

    UNDO = "undo", _("Undo of change #%(event)s")
    MARKETING_RESTORE = "marketing_restore", _("Marketing choices put back after lifting the objection (change #%(event)s)")


def consent_reason_text(*, reason_code: str, reason: str) -> str:
    """The reason of a consent event as a reader sees it: a system reason in the active language
    (also for events written before it was a code), an undo or a restore with the event it reverses,
    otherwise the free text a person wrote."""
    if reason_code in SystemReason.values:
        return str(SystemReason(reason_code).label)
    if reason_code in ChangeReason.values:
        return str(ChangeReason(reason_code).label) % {"event": reason}
    return reason


class ActorType(models.TextChoices):
    CUSTOMER = "customer", _("you")
    STAFF = "staff", _("our support team")
    API_CLIENT = "api_client", _("one of our systems")
    LINK = "link", _("a one-click link")
    SMS_STOP = "sms_stop", _("an SMS STOP reply")
    SYSTEM = "system", _("the system")


class Source(models.TextChoices):
    PORTAL = "portal", _("this portal")
    CONSOLE = "console", _("the support console")
    API = "api", _("the API")
    LINK = "link", _("a link in a message")
    SMS = "sms_stop", _("SMS")
    IMPORT = "import", _("an import")
    SYSTEM = "system", _("the system")


# Who acted and through what, as staff read it in the console's ledger (the labels above speak to the
# customer: "you", "this portal").
STAFF_ACTOR_LABELS = {
    ActorType.CUSTOMER: _("the customer"),
    ActorType.STAFF: _("staff member"),
    ActorType.API_CLIENT: _("API client"),
    ActorType.LINK: _("one-click link"),
    ActorType.SMS_STOP: _("SMS STOP reply"),
    ActorType.SYSTEM: _("the system"),
}
STAFF_SOURCE_LABELS = {
    Source.PORTAL: _("customer portal"),
    Source.CONSOLE: _("console"),
    Source.API: _("API"),
    Source.LINK: _("link in a message"),
    Source.SMS: _("SMS"),
    Source.IMPORT: _("import"),
    Source.SYSTEM: _("system"),
}


# Channels for which French law requires prior opt-in for marketing (CPCE L34-5; phone calls too
# since 11 August 2026, loi 2025-594). Postal marketing is opt-out. A legal fact, not configuration.
PRIOR_OPTIN_CHANNELS = frozenset(
    {ChannelCode.EMAIL, ChannelCode.SMS, ChannelCode.MESSAGING, ChannelCode.APP, ChannelCode.PHONE}
)

# The contact point a channel needs to be usable.
CHANNEL_CONTACT_POINT = {
    ChannelCode.EMAIL: ContactPointKind.EMAIL,
    ChannelCode.SMS: ContactPointKind.PHONE,
    ChannelCode.POSTAL: ContactPointKind.POSTAL,
    ChannelCode.PHONE: ContactPointKind.PHONE,
    ChannelCode.MESSAGING: ContactPointKind.PHONE,
    ChannelCode.APP: ContactPointKind.APP,
}
# Channels that need a mobile number, not any phone number.
MOBILE_ONLY_CHANNELS = frozenset({ChannelCode.SMS, ChannelCode.MESSAGING})
# Other kinds of contact point a channel can use, before the one above: a messaging account stated as
# such is where messages go; a verified mobile number reaches WhatsApp or RCS otherwise.
CHANNEL_OTHER_CONTACT_POINTS = {ChannelCode.MESSAGING: (ContactPointKind.MESSAGING,)}


def channel_contact_point_kinds(channel: str) -> tuple[str, ...]:
    """The kinds of contact point a channel can use, the preferred one first."""
    return (*CHANNEL_OTHER_CONTACT_POINTS.get(channel, ()), CHANNEL_CONTACT_POINT[channel])


def contact_point_serves(*, channel: str, kind: str, phone_type: str) -> bool:
    """Whether a contact point of this kind (and phone type) can carry the channel: the one rule, used
    by the contact plan, the usable channels, opt-in confirmations and contact requests. A landline
    never receives an SMS or a messaging message, whatever the integrator or the number says."""
    if kind not in channel_contact_point_kinds(channel):
        return False
    return not (kind == ContactPointKind.PHONE and channel in MOBILE_ONLY_CHANNELS and phone_type != PhoneType.MOBILE)
# Channels that may not disturb the customer in their quiet hours.
QUIET_HOURS_CHANNELS = frozenset({ChannelCode.SMS, ChannelCode.PHONE, ChannelCode.MESSAGING, ChannelCode.APP})

WEEKLY_CAP_CHOICES = (1, 2, 5)
# Every time zone a customer may have (the support console offers them all; the customer's pages offer
# the current names by country, common.time_zones).
TIME_ZONE_CHOICES = sorted((name, name.replace("_", " ")) for name in zoneinfo.available_timezones())
DEFAULT_CHANNEL_RANKING = [c.value for c in ChannelCode]
