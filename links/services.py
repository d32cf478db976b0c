"""One-click links: create them, resolve a token, and do what the link says through the preference
services (actor `link`, source `link`). See links.tokens for why the tokens look the way they do."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.sentences import in_sentence
from links.models import LinkPurpose, OneClickLink
from links.tokens import public_id_from, public_id_new, token_for
from notifications.services import email_enqueue, sms_enqueue
from preferences.catalog import catalog_get
from preferences.changes import marketing_opt_outs, preferences_change
from preferences.documents_pg import preference_document_build
from preferences.domain import SubscriptionStatus, TopicKind
from preferences.keys import SettingKey
from preferences.ledger import ChangeContext
from preferences.models import Customer, Topic
from preferences.state import PreferenceError

ONE_CLICK_POST_BODY = "List-Unsubscribe=One-Click"  # RFC 8058


def unsubscribe_link_days() -> int:
    return settings.ONE_CLICK_UNSUBSCRIBE_DAYS


def confirmation_link_days() -> int:
    return settings.OPTIN_CONFIRMATION_DAYS


# --- Errors a visitor can meet -------------------------------------------------------------------


class LinkError(Exception):
    status = 400


class LinkTampered(LinkError):
    status = 400


class LinkUnknown(LinkError):
    status = 404


class LinkExpired(LinkError):
    status = 410


# --- Creating links ------------------------------------------------------------------------------


# The page of each kind of link: a confirmation is not an unsubscribe, and its address says so. (The
# /unsubscribe/ page still answers confirmation links, for those sent before /confirm/ existed.)
LINK_URL_NAMES = {LinkPurpose.UNSUBSCRIBE: "links:one_click", LinkPurpose.CONFIRM: "links:confirm"}


def link_url(link: OneClickLink) -> str:
    path = reverse(LINK_URL_NAMES[link.purpose], kwargs={"token": token_for(link.public_id)})
    return settings.SITE_URL.rstrip("/") + path


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """The headers a sender puts in a message so that mail software shows a one-click unsubscribe."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK_POST_BODY}


def unsubscribe_link_get_or_create(
    *, customer: Customer, topic: Topic | None, channel: str = "", now: datetime | None = None
) -> OneClickLink:
    """An unsubscribe link for one topic on one channel, or (no topic) for every marketing message.

    A link with at least half its life left is handed out again rather than a new row written.
    """
    now = now or timezone.now()
    lifetime = timedelta(days=unsubscribe_link_days())
    existing = (
        OneClickLink.objects.filter(
            customer=customer,
            purpose=LinkPurpose.UNSUBSCRIBE,
            topic=topic,
            channel=channel if topic else "",
            expires_at__gt=now + lifetime / 2,
        )
        .order_by("-expires_at")
        .first()
    )
    if existing is not None:
        return existing
    return OneClickLink.objects.create(
        public_id=public_id_new(),
        purpose=LinkPurpose.UNSUBSCRIBE,
        customer=customer,
        topic=topic,
        channel=channel if topic else "",
        expires_at=now + lifetime,
    )


def optin_confirmation_request(
    *, customer: Customer, keys: list[str], email: str = "", mobile: str = ""
) -> list[OneClickLink]:
    """Send the customer one confirmation link per pending subscription, in one email to `email` or,
    given a verified `mobile` instead, one SMS per link (the same links, through the same outbox).
    Called inside the change's transaction, so a message is queued only if the pending state commits."""
    if bool(email) == bool(mobile):
        raise ValueError("Give either an email address or a mobile number.")
    topics = catalog_get().topics_by_code
    channels = catalog_get().channels_by_code
    expires_at = timezone.now() + timedelta(days=confirmation_link_days())
    links = []
    for key in keys:
        setting = SettingKey.parse(key)
        links.append(
            OneClickLink.objects.create(
                public_id=public_id_new(),
                purpose=LinkPurpose.CONFIRM,
                customer=customer,
                topic=topics[setting.name],
                channel=setting.detail,
                expires_at=expires_at,
            )
        )
    with translation.override(customer.language):
        items = [
            {"what": _what(link.topic, channels[link.channel].name if link.channel in channels else link.channel),
             "url": link_url(link)}
            for link in links
        ]
        if mobile:
            for item in items:
                days = confirmation_link_days()
                body = ngettext(
                    "To receive %(what)s, confirm here: %(url)s (valid %(days)s day). Did not ask? Ignore this message.",
                    "To receive %(what)s, confirm here: %(url)s (valid %(days)s days). Did not ask? Ignore this message.",
                    days,
                ) % {**item, "days": days}
                sms_enqueue(to=mobile, body=body)
            return links
        body = render_to_string(
            "links/email/confirm_optin.txt", {"items": items, "days": confirmation_link_days()}
        )
        subject = _("Please confirm that you want to receive these messages")
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=[email]), language=customer.language)
    return links


def _what(topic: Topic | None, channel_name: str) -> str:
    if topic is None:
        return _("every marketing message, on every channel")
    return _("“%(topic)s” by %(channel)s") % {"topic": topic.name, "channel": in_sentence(channel_name)}


# --- Using links ---------------------------------------------------------------------------------


def link_resolve(*, token: str, purpose: str | None = None, now: datetime | None = None) -> OneClickLink:
    """The link a token names (of that purpose, when one is given: a link of another purpose is unknown).
    Raises LinkTampered (400), LinkUnknown (404) or LinkExpired (410)."""
    public_id = public_id_from(token)
    if public_id is None:
        raise LinkTampered()
    links = OneClickLink.objects.select_related("customer", "topic").filter(
        public_id=public_id, customer__erased_at__isnull=True
    )
    if purpose is not None:
        links = links.filter(purpose=purpose)
    link = links.first()
    if link is None:
        raise LinkUnknown()
    if link.expires_at <= (now or timezone.now()):
        raise LinkExpired()
    return link


def link_describe(link: OneClickLink) -> str:
    """What the link does, in plain words in the active language."""
    channels = catalog_get().channels_by_code
    channel = channels.get(link.channel)
    return _what(link.topic, channel.name if channel else link.channel)


def link_leaves_topic_without_channel(link: OneClickLink) -> bool:
    """Whether an unsubscribe link would leave a non-marketing topic (invoices, say) on no channel at all:
    the page then says so before the click, since those messages would then reach the customer nowhere."""
    if link.purpose == LinkPurpose.CONFIRM or link.topic is None or link.topic.kind == TopicKind.MARKETING:
        return False
    document = preference_document_build(link.customer)
    staying = [
        channel
        for channel in link.topic.allowed_channels
        if channel != link.channel and document.subscription_status(link.topic, channel) == SubscriptionStatus.IN
    ]
    return not staying


def _link_changes(link: OneClickLink) -> dict[str, str]:
    if link.purpose == LinkPurpose.CONFIRM:
        return {str(SettingKey.subscription(link.topic.code, link.channel)): SubscriptionStatus.IN}
    if link.topic_id is not None:
        return {str(SettingKey.subscription(link.topic.code, link.channel)): SubscriptionStatus.OUT}
    return marketing_opt_outs(catalog_get())


@dataclass(frozen=True)
class LinkOutcome:
    done: bool  # the change was made now, or had already been made
    message: str


def link_use(*, link: OneClickLink, context: ChangeContext) -> LinkOutcome:
    """Do what the link says. Idempotent: a second use changes nothing and says it is done."""
    changes = _link_changes(link)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=link.customer_id)
        if link.purpose == LinkPurpose.CONFIRM:
            (key,) = changes
            document = preference_document_build(customer)
            status = document.subscription_status(link.topic, link.channel)
            if status == SubscriptionStatus.IN:
                return LinkOutcome(True, _("Your subscription is confirmed."))
            if status != SubscriptionStatus.PENDING:
                return LinkOutcome(False, _("There is nothing to confirm any more: you have changed this choice since."))
        try:
            preferences_change(customer_id=customer.pk, changes=changes, context=context)
        except PreferenceError as error:
            return LinkOutcome(False, " ".join(error.messages))
        OneClickLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    if link.purpose == LinkPurpose.CONFIRM:
        return LinkOutcome(True, _("Your subscription is confirmed."))
    return LinkOutcome(True, _("You are unsubscribed. It is done: there is nothing else to do."))


def links_expired_delete(*, now: datetime | None = None) -> int:
    """Beat job: forget links that expired more than a month ago (they answered 410 until then)."""
    cutoff = (now or timezone.now()) - timedelta(days=30)
    deleted, _per_model = OneClickLink.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
