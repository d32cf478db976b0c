"""Writes to preferences. Each service runs in one transaction, changes the state and appends the
consent-ledger events that prove it; side effects are queued with transaction.on_commit."""

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.client_ip import client_ip
from notifications.services import email_enqueue, sms_enqueue
from preferences.domain import (
    CHANNEL_CONTACT_POINT,
    DEFAULT_CHANNEL_RANKING,
    MOBILE_ONLY_CHANNELS,
    PRIOR_OPTIN_CHANNELS,
    ActorType,
    ChannelCode,
    ContactPointKind,
    PhoneType,
    Source,
    SubscriptionStatus,
    SystemReason,
    TopicKind,
)
from preferences.events import customer_event_record
from preferences.models import ConsentEvent, ContactPoint, Customer, Subscription, VerificationChallenge
from preferences.selectors import (
    PreferenceDocument,
    contact_point_state,
    notice_versions_current,
    preference_document_build,
    preference_document_lock,
)
from preferences.state import (
    CUSTOMER_FIELDS,
    ERASED_KEY,
    TOPIC_FIELDS,
    PreferenceError,
    customer_value_clean,
    time_from_state,
    topic_value_clean,
)

VERIFICATION_CODE_TTL = timedelta(minutes=15)
VERIFICATION_MAX_ATTEMPTS = 5


class CustomerErased(PreferenceError):
    """The customer's data was erased: nothing about them changes any more."""

    def __init__(self):
        super().__init__({"customer": _("This customer's data has been erased.")})


class StaleVersion(Exception):
    """The caller changed a document it read at an older version."""

    def __init__(self, current_version: int):
        super().__init__(f"The document is at version {current_version}.")
        self.current_version = current_version


@dataclass(frozen=True)
class ChangeContext:
    """Who makes a change, through what, and why: recorded on every consent event."""

    actor_type: str
    source: str
    actor_id: str = ""
    reason_code: str = ""
    reason: str = ""
    evidence: str = ""
    ip_truncated: str = ""
    user_agent: str = ""

    @classmethod
    def from_request(
        cls, request, *, actor_type: str, source: str, actor_id: str = "", **extra: str
    ) -> "ChangeContext":
        return cls(
            actor_type=actor_type,
            source=source,
            actor_id=actor_id,
            ip_truncated=ip_truncate(client_ip(request)),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            **extra,
        )

    @classmethod
    def system(cls, *, reason: str = "") -> "ChangeContext":
        return cls(actor_type=ActorType.SYSTEM, source=Source.SYSTEM, reason=reason)


def ip_truncate(address: str) -> str:
    """Keep only the network part of an address: /24 for IPv4, /48 for IPv6 (CNIL's advice)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _events_append(*, customer: Customer, changes: list[tuple[str, Any, Any]], context: ChangeContext) -> None:
    """Append the consent events of one change, each with the version the change produces (already in
    customer.version: see _change_begin); the events of one change share it."""
    if not changes:
        return
    versions = notice_versions_current()
    now = timezone.now()
    ConsentEvent.objects.bulk_create(
        [
            ConsentEvent(
                customer=customer,
                version=customer.version,
                occurred_at=now,
                key=key,
                old_value=old,
                new_value=new,
                actor_type=context.actor_type,
                actor_id=context.actor_id,
                source=context.source,
                reason_code=context.reason_code,
                reason=context.reason,
                evidence=context.evidence,
                privacy_notice_version=versions.get("privacy"),
                ai_statement_version=versions.get("ai_statement"),
                ip_truncated=context.ip_truncated,
                user_agent=context.user_agent,
            )
            for key, old, new in changes
        ]
    )


def _changed_notify(*, customer: Customer, keys: list[str]) -> None:
    """Tell other systems of one change (customer.preferences_changed webhook), once per change, with
    every key it changed and the one version it produced. Call it after _customer_bump."""
    if keys:
        customer_event_record(type="customer.preferences_changed", customer=customer, changed=list(dict.fromkeys(keys)))


def customer_erasure_record(*, customer: Customer, context: ChangeContext) -> None:
    """Append the ledger's erasure event (`customer.erased`: None → True), so that readers of the change
    feed learn that this customer's personal data was erased and erase their copies. Call it inside the
    erasure's transaction. It holds nothing personal: who asked (kind and id of the actor), through what,
    when; no reason, address or user agent, whatever the context carries."""
    bare = ChangeContext(
        actor_type=context.actor_type, source=context.source, actor_id=context.actor_id, reason_code="erasure"
    )
    _events_append(customer=customer, changes=[(ERASED_KEY, None, True)], context=bare)


def _require_staff_reason(context: ChangeContext) -> None:
    if context.actor_type == ActorType.STAFF and not (context.reason_code and context.reason.strip()):
        raise PreferenceError({"reason": _("A change on a customer's behalf needs a reason code and a reason.")})


def _customer_lock(customer_id: int) -> Customer:
    customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer_id)
    if customer.erased_at is not None:
        raise CustomerErased()
    return customer


# One change, one version. A service that changes a customer calls _change_begin once, under the
# customer's lock: customer.version is then the version the change produces, which every consent
# event of the change and its webhook carry. It ends with _customer_bump (something changed: saved) or
# _change_abandon (nothing did: the version stays). A customer is created at version 1.


def _change_begin(customer: Customer) -> None:
    customer.version += 1


def _customer_bump(customer: Customer, fields: list[str]) -> None:
    customer.save(update_fields=[*fields, "version", "updated_at"])


def _change_abandon(customer: Customer) -> None:
    customer.version -= 1


# --- Customers -----------------------------------------------------------------------------------


def customer_create(
    *,
    context: ChangeContext,
    user=None,
    external_id: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
    email_verified: bool = False,
    phone: str = "",
    phone_verified: bool = False,
) -> Customer:
    """Create a customer, with their email (and phone) as contact points, and record the initial state.

    The creation is one change: every event of it belongs to version 1, and other systems hear of it
    as one customer.created."""
    language = language if language in ("fr", "en") else "fr"
    with transaction.atomic():
        customer = Customer.objects.create(
            user=user,
            external_id=external_id or None,
            first_name=first_name,
            last_name=last_name,
            language=language,
            channel_ranking=list(DEFAULT_CHANNEL_RANKING),
        )
        document = preference_document_build(customer)
        _events_append(
            customer=customer,
            changes=[(key, None, value) for key, value in document.state().items()],
            context=context,
        )
        for kind, value, verified in (
            (ContactPointKind.EMAIL, email, email_verified),
            (ContactPointKind.PHONE, phone, phone_verified),
        ):
            if value:
                _contact_point_create(customer=customer, kind=kind, value=value, verified=verified, context=context)
        _applied, fields = _suppression_apply(customer=customer, emails=[email], phones=[phone], context=context)
        if fields:  # part of the creation: saved at version 1, not a second version
            customer.save(update_fields=[*fields, "updated_at"])
        customer_event_record(type="customer.created", customer=customer)
    return customer


def _suppression_apply(
    *, customer: Customer, context: ChangeContext, emails: list[str] = (), phones: list[str] = ()
) -> tuple[list[str], list[str]]:
    """A person who had their data erased is on the suppression list (privacy app): a customer
    created or updated with one of their addresses objects to marketing from the start, recorded in
    the ledger. An opt-in by anyone but the person then needs their confirmation (double opt-in).

    Part of the caller's change: returns the keys changed and the customer fields to save, which the
    caller saves with its own (single) version bump."""
    from privacy.services import identities_suppressed

    emails, phones = [e for e in emails if e], [p for p in phones if p]
    if customer.marketing_objection or not identities_suppressed(emails=emails, phones=phones):
        return [], []
    document = preference_document_build(customer)
    changes = {"customer.marketing_objection": True, **_marketing_objection_opt_outs(document, {})}
    applied, fields = _changes_apply(document, changes)
    suppression = ChangeContext(
        actor_type=ActorType.SYSTEM,
        source=context.source,
        actor_id=context.actor_id,
        reason_code=SystemReason.SUPPRESSION_LIST,  # a code: rendered in the reader's language, never frozen
    )
    _events_append(customer=customer, changes=applied, context=suppression)
    return [key for key, _old, _new in applied], fields


def customer_create_for_user(*, user, language: str, request=None) -> Customer:
    """The customer record of a person who just signed up in the portal."""
    if request is not None:
        context = ChangeContext.from_request(request, actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
    else:
        context = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
    return customer_create(user=user, email=user.email, language=language, context=context)


# --- Preferences ---------------------------------------------------------------------------------


def preferences_change(
    *,
    customer_id: int,
    changes: dict[str, Any],
    context: ChangeContext,
    expected_version: int | None = None,
) -> Customer:
    """Apply changes given as flat state keys (see preferences.state); all or nothing.

    Raises PreferenceError when a change breaks a rule and StaleVersion when `expected_version` is
    not the current one. Changes that leave an effective value as it was write nothing.
    """
    return preferences_change_document(
        customer_id=customer_id, changes=changes, context=context, expected_version=expected_version
    ).document.customer


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


@dataclass(frozen=True)
class PreferencesChanged:
    """The answer of preferences_change_document: the document as it now stands, and the confirmations
    of the subscriptions the change left pending (empty when it left none)."""

    document: PreferenceDocument
    confirmations: list[OptinConfirmation]


def preferences_change_document(
    *,
    customer_id: int,
    changes: dict[str, Any],
    context: ChangeContext,
    expected_version: int | None = None,
) -> PreferencesChanged:
    """preferences_change, answering with the customer's document as it now stands (what the API sends
    back), so that nobody reads it again, and with what became of double opt-in confirmations."""
    _require_staff_reason(context)
    with transaction.atomic():
        document = preference_document_lock(customer_id=customer_id)  # the customer, locked, in one query
        customer = document.customer
        if customer.erased_at is not None:
            raise CustomerErased()
        if expected_version is not None and expected_version != customer.version:
            raise StaleVersion(customer.version)
        cleaned = _changes_clean(document, changes)
        if cleaned.get("customer.marketing_objection") is True:
            cleaned.update(_marketing_objection_opt_outs(document, cleaned))
        _changes_check(document, cleaned)
        _double_optin_hold(document, cleaned, context)
        _change_begin(customer)
        applied, fields = _changes_apply(document, cleaned)
        if applied:
            _events_append(customer=customer, changes=applied, context=context)
            _customer_bump(customer, fields)
            _changed_notify(customer=customer, keys=[key for key, _old, _new in applied])
        else:
            _change_abandon(customer)
        confirmations = _double_optin_request(
            document, [key for key, _old, new in applied if new == SubscriptionStatus.PENDING]
        )
    return PreferencesChanged(document=document, confirmations=confirmations)


# Marketing consent on a prior-opt-in channel must come from the person: an opt-in made by anyone
# else (an API client, an import, an agent) stays `pending` until the customer confirms it through a
# link sent to them: by email to their verified address or, without one, by SMS to their verified
# mobile number (double opt-in). The customer signed in to the portal, and the customer following
# that link, are the person. Pending is a stored status like any other, so the ledger records
# `… → pending` then `pending → in` and the state can still be rebuilt from it.
DOUBLE_OPTIN_EXEMPT_ACTORS = frozenset({ActorType.CUSTOMER, ActorType.LINK})


def _double_optin_hold(document: PreferenceDocument, cleaned: dict[str, Any], context: ChangeContext) -> None:
    if context.actor_type in DOUBLE_OPTIN_EXEMPT_ACTORS:
        return
    topics = document.catalog.topics_by_code
    for key, value in cleaned.items():
        if not key.startswith("subscription.") or value != SubscriptionStatus.IN:
            continue
        _prefix, topic_code, channel = key.split(".")
        topic = topics[topic_code]
        if topic.kind != TopicKind.MARKETING or channel not in PRIOR_OPTIN_CHANNELS:
            continue
        if document.subscription_status(topic, channel) != SubscriptionStatus.IN:
            cleaned[key] = SubscriptionStatus.PENDING


def _double_optin_request(document: PreferenceDocument, keys: list[str]) -> list[OptinConfirmation]:
    """Send the confirmation links (queued in this transaction; see links.services) by email, or by
    SMS without a verified email address; say for each pending subscription what became of it."""
    if not keys:
        return []
    from links.services import optin_confirmation_request

    customer = document.customer
    verified = [p.value for p in document.contact_points if p.kind == ContactPointKind.EMAIL and p.is_verified]
    mobiles = [
        p.value
        for p in document.contact_points
        if p.kind == ContactPointKind.PHONE and p.phone_type == PhoneType.MOBILE and p.is_verified
    ]
    # Last, the address a portal account signs in with, not verified yet but the person's own.
    sign_in = customer.user.email if customer.user_id else ""
    if verified or (sign_in and not mobiles):
        optin_confirmation_request(customer=customer, keys=keys, email=verified[0] if verified else sign_in)
        via, reason = ChannelCode.EMAIL, None
    elif mobiles:
        optin_confirmation_request(customer=customer, keys=keys, mobile=mobiles[0])
        via, reason = ChannelCode.SMS, None
    else:  # nobody can confirm it: the opt-in stays pending, and the caller is told so
        via, reason = None, OPTIN_NOT_SENT_NO_CONTACT_POINT
    return [
        OptinConfirmation(
            topic=key.split(".")[1], channel=key.split(".")[2], sent=via is not None, via=via, reason=reason
        )
        for key in keys
    ]


def _changes_clean(document: PreferenceDocument, changes: dict[str, Any]) -> dict[str, Any]:
    topics = document.catalog.topics_by_code
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in changes.items():
        parts = key.split(".")
        try:
            if parts[0] == "customer" and len(parts) == 2 and parts[1] in CUSTOMER_FIELDS:
                cleaned[key] = customer_value_clean(parts[1], value)
            elif parts[0] == "topic" and len(parts) == 3 and parts[1] in topics and parts[2] in TOPIC_FIELDS:
                cleaned[key] = topic_value_clean(parts[1], parts[2], value)
            elif parts[0] == "subscription" and len(parts) == 3 and parts[1] in topics:
                if parts[2] not in topics[parts[1]].allowed_channels:
                    raise PreferenceError({key: _("This topic is not sent on that channel.")})
                if value not in (SubscriptionStatus.IN, SubscriptionStatus.OUT):
                    raise PreferenceError({key: _("Choose in or out.")})
                cleaned[key] = value
            else:
                raise PreferenceError({key: _("Unknown setting.")})
        except PreferenceError as error:
            for field_key, messages in error.message_dict.items():
                errors.setdefault(field_key, []).extend(messages)
    if errors:
        raise PreferenceError(errors)
    return cleaned


def _marketing_objection_opt_outs(document: PreferenceDocument, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Objecting to marketing turns every marketing topic off on every channel at once."""
    return {
        f"subscription.{topic.code}.{channel}": SubscriptionStatus.OUT
        for topic in document.catalog.topics
        if topic.kind == TopicKind.MARKETING
        for channel in topic.allowed_channels
    }


def _changes_check(document: PreferenceDocument, cleaned: dict[str, Any]) -> None:
    """Rules that look at the whole document after the change."""
    topics = document.catalog.topics_by_code
    objection = cleaned.get("customer.marketing_objection", document.customer.marketing_objection)
    errors: dict[str, str] = {}
    for key, value in cleaned.items():
        if key.endswith(".paper_copy") and value is True and ChannelCode.POSTAL not in document.usable_channels():
            errors[key] = _channel_unusable_message(ChannelCode.POSTAL)
        if not key.startswith("subscription.") or value != SubscriptionStatus.IN:
            continue
        _prefix, topic_code, channel = key.split(".")
        topic = topics[topic_code]
        if document.subscription_status(topic, channel) == SubscriptionStatus.IN:
            continue
        if topic.kind == TopicKind.MARKETING and objection:
            errors[key] = _("You object to marketing: lift the objection before choosing marketing messages.")
        elif channel not in document.usable_channels():
            errors[key] = _channel_unusable_message(channel)
    for topic in document.catalog.topics:
        if topic.kind != TopicKind.CRITICAL:
            continue
        statuses = [
            cleaned.get(f"subscription.{topic.code}.{channel}", document.subscription_status(topic, channel))
            for channel in topic.allowed_channels
        ]
        if SubscriptionStatus.IN not in statuses:
            errors[f"topic.{topic.code}"] = _("“%(topic)s” is important: keep at least one channel for it.") % {
                "topic": topic.name
            }
    start = cleaned.get("customer.quiet_hours_start", "unchanged")
    end = cleaned.get("customer.quiet_hours_end", "unchanged")
    if (start is None) != (end is None) and "unchanged" not in (start, end):
        errors["customer.quiet_hours_start"] = _("Give both the start and the end of your quiet hours, or neither.")
    if errors:
        raise PreferenceError(errors)


def _channel_unusable_message(channel: str) -> str:
    kind = CHANNEL_CONTACT_POINT[channel]
    if kind == ContactPointKind.EMAIL:
        return _("Add and verify an email address before you switch email on.")
    if kind == ContactPointKind.POSTAL:
        return _("Add a postal address before you switch postal mail on.")
    if kind == ContactPointKind.APP:
        return _("Install our app and sign in to it before you switch app notifications on.")
    if channel in MOBILE_ONLY_CHANNELS:
        return _("Add and verify a mobile phone number before you switch this channel on.")
    return _("Add and verify a phone number before you switch phone calls on.")


def _changes_apply(
    document: PreferenceDocument, cleaned: dict[str, Any]
) -> tuple[list[tuple[str, Any, Any]], list[str]]:
    """Write what differs from the effective values; return (key, old, new) for the ledger, and the
    customer fields changed in memory, which the caller saves with its one version bump."""
    customer = document.customer
    topics = document.catalog.topics_by_code
    stored = document.state()
    applied: list[tuple[str, Any, Any]] = []
    customer_fields: list[str] = []
    subscription_rows: list[tuple[str, str, str]] = []
    topic_settings = {code: dict(values) for code, values in (customer.topic_settings or {}).items()}
    for key, new in cleaned.items():
        parts = key.split(".")
        if parts[0] == "customer":
            old = stored.get(key)
            if old == new:
                continue
            value = time_from_state(new) if parts[1].startswith("quiet_hours") else new
            setattr(customer, parts[1], value)
            customer_fields.append(parts[1])
        elif parts[0] == "topic":
            old = stored.get(key)
            # A form that posts the default (first delivery, no paper copy) changes nothing; an AI
            # level is different: an explicit level no longer follows the customer's general choice.
            follows_default = parts[2] != "ai_level" and old is None
            if old == new or (follows_default and new == document.topic_setting(topics[parts[1]], parts[2])):
                continue
            settings_of_topic = topic_settings.setdefault(parts[1], {})
            if new is None:
                settings_of_topic.pop(parts[2], None)
            else:
                settings_of_topic[parts[2]] = new
        else:
            old = document.subscription_status(topics[parts[1]], parts[2])
            if old == new:
                continue
            subscription_rows.append((parts[1], parts[2], new))
        applied.append((key, old, new))
    if not applied:
        return [], []
    if any(key.startswith("topic.") for key, _old, _new in applied):
        customer.topic_settings = {code: values for code, values in topic_settings.items() if values}
        customer_fields.append("topic_settings")
    if subscription_rows:  # one INSERT … ON CONFLICT UPDATE for all of them
        Subscription.objects.bulk_create(
            [
                Subscription(customer=customer, topic=topics[topic_code], channel=channel, status=status)
                for topic_code, channel, status in subscription_rows
            ],
            update_conflicts=True,
            unique_fields=["customer", "topic", "channel"],
            update_fields=["status", "updated_at"],
        )
        document.subscriptions.update({(code, channel): status for code, channel, status in subscription_rows})
    return applied, customer_fields


# --- Contact points ------------------------------------------------------------------------------


def contact_point_value_clean(*, kind: str, value: str) -> tuple[str, str]:
    """Normalise a contact point: (value, phone_type). Raises PreferenceError with a clear message."""
    value = (value or "").strip()
    if kind == ContactPointKind.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            raise PreferenceError({"value": _("Enter a valid email address.")}) from None
        return value.lower(), ""
    if kind == ContactPointKind.PHONE:
        try:
            number = phonenumbers.parse(value, "FR")
        except phonenumbers.NumberParseException:
            raise PreferenceError({"value": _("Enter a valid phone number, such as 06 12 34 56 78.")}) from None
        if not phonenumbers.is_valid_number(number):
            raise PreferenceError({"value": _("Enter a valid phone number, such as 06 12 34 56 78.")})
        number_type = phonenumbers.number_type(number)
        mobile_types = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        phone_type = PhoneType.MOBILE if number_type in mobile_types else PhoneType.LANDLINE
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), phone_type
    if kind == ContactPointKind.POSTAL:
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        if len(lines) < 2 or len(value) > 500:
            raise PreferenceError({"value": _("Enter the full postal address: street, then postcode and town.")})
        return "\n".join(lines), ""
    if kind == ContactPointKind.APP:
        if not value or len(value) > 200:
            raise PreferenceError({"value": _("Enter the app installation identifier.")})
        return value, ""
    raise PreferenceError({"kind": _("Unknown kind of contact point.")})


def _contact_point_create(
    *, customer: Customer, kind: str, value: str, context: ChangeContext, verified: bool = False
) -> ContactPoint:
    value, phone_type = contact_point_value_clean(kind=kind, value=value)
    if ContactPoint.objects.filter(customer=customer, kind=kind, value=value).exists():
        raise PreferenceError({"value": _("You already have this contact point.")})
    point = ContactPoint.objects.create(
        customer=customer,
        kind=kind,
        value=value,
        phone_type=phone_type,
        verified_at=timezone.now() if verified else None,
    )
    _events_append(
        customer=customer,
        changes=[(f"contact_point.{point.pk}", None, contact_point_state(point))],
        context=context,
    )
    return point


def contact_point_add(*, customer_id: int, kind: str, value: str, context: ChangeContext) -> ContactPoint:
    """Add a contact point and, unless it is a postal address, send it a verification code."""
    _require_staff_reason(context)
    with transaction.atomic():
        customer = _customer_lock(customer_id)
        _change_begin(customer)
        point = _contact_point_create(customer=customer, kind=kind, value=value, context=context)
        _customer_bump(customer, [])
        _changed_notify(customer=customer, keys=[f"contact_point.{point.pk}"])
        if kind in (ContactPointKind.EMAIL, ContactPointKind.PHONE):
            _verification_send(point=point, customer=customer)
    return point


def contact_point_import(
    *, customer_id: int, kind: str, value: str, context: ChangeContext, verified: bool = False
) -> ContactPoint:
    """Record a contact point known from another system (an import), without sending a code."""
    with transaction.atomic():
        customer = _customer_lock(customer_id)
        _change_begin(customer)
        point = _contact_point_create(customer=customer, kind=kind, value=value, context=context, verified=verified)
        _customer_bump(customer, [])
        _changed_notify(customer=customer, keys=[f"contact_point.{point.pk}"])
    return point


def contact_point_remove(*, customer_id: int, contact_point_id: int, context: ChangeContext) -> None:
    """Remove a contact point. The sign-in email of a portal account cannot be removed here."""
    _require_staff_reason(context)
    with transaction.atomic():
        customer = _customer_lock(customer_id)
        point = ContactPoint.objects.get(pk=contact_point_id, customer=customer)
        if point.kind == ContactPointKind.EMAIL and customer.user_id and point.value == customer.user.email.lower():
            raise PreferenceError({"value": _("This is the address you sign in with; it cannot be removed.")})
        old = contact_point_state(point)
        point.delete()
        _change_begin(customer)
        _events_append(customer=customer, changes=[(f"contact_point.{contact_point_id}", old, None)], context=context)
        _customer_bump(customer, [])
        _changed_notify(customer=customer, keys=[f"contact_point.{contact_point_id}"])


def _code_hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _verification_send(*, point: ContactPoint, customer: Customer) -> VerificationChallenge:
    code = f"{secrets.randbelow(1_000_000):06d}"
    VerificationChallenge.objects.filter(contact_point=point, consumed_at__isnull=True).update(
        consumed_at=timezone.now()
    )
    challenge = VerificationChallenge.objects.create(
        contact_point=point, code_hash=_code_hash(code), expires_at=timezone.now() + VERIFICATION_CODE_TTL
    )
    with translation.override(customer.language):
        if point.kind == ContactPointKind.PHONE:
            sms_enqueue(to=point.value, body=_("Your verification code: %(code)s (valid 15 minutes).") % {"code": code})
        else:
            body = render_to_string("preferences/email/verify_contact_point.txt", {"code": code, "point": point})
            email_enqueue(message=EmailMessage(subject=_("Your verification code"), body=body, to=[point.value]))
    return challenge


def contact_point_verification_resend(*, customer_id: int, contact_point_id: int) -> None:
    """Send a fresh code (the previous ones stop working)."""
    with transaction.atomic():
        customer = _customer_lock(customer_id)
        point = ContactPoint.objects.get(pk=contact_point_id, customer=customer)
        if point.is_verified:
            raise PreferenceError({"code": _("This contact point is already verified.")})
        _verification_send(point=point, customer=customer)


def contact_point_verify(*, customer_id: int, contact_point_id: int, code: str, context: ChangeContext) -> ContactPoint:
    """Check a verification code; a right code marks the contact point verified."""
    wrong_code = False
    with transaction.atomic():
        customer = _customer_lock(customer_id)
        point = ContactPoint.objects.get(pk=contact_point_id, customer=customer)
        if point.is_verified:
            return point
        challenge = (
            VerificationChallenge.objects.select_for_update()
            .filter(contact_point=point, consumed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if challenge is None or challenge.expires_at < timezone.now():
            raise PreferenceError({"code": _("This code has expired. Ask for a new one.")})
        if challenge.attempts >= VERIFICATION_MAX_ATTEMPTS:
            raise PreferenceError({"code": _("Too many wrong codes. Ask for a new one.")})
        if not hmac.compare_digest(challenge.code_hash, _code_hash((code or "").strip())):
            # The failed attempt is committed before the caller hears of it, so that guesses count.
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            wrong_code = True
        else:
            _challenge_consume(customer=customer, point=point, challenge=challenge, context=context)
    if wrong_code:
        raise PreferenceError({"code": _("This code is not right. Check the message and try again.")})
    return point


def _challenge_consume(
    *, customer: Customer, point: ContactPoint, challenge: VerificationChallenge, context: ChangeContext
) -> None:
    challenge.consumed_at = timezone.now()
    challenge.save(update_fields=["consumed_at"])
    _contact_point_mark_verified(customer=customer, point=point, context=context)


def _contact_point_mark_verified(*, customer: Customer, point: ContactPoint, context: ChangeContext) -> None:
    old = contact_point_state(point)
    point.verified_at = timezone.now()
    point.save(update_fields=["verified_at"])
    _change_begin(customer)
    _events_append(
        customer=customer, changes=[(f"contact_point.{point.pk}", old, contact_point_state(point))], context=context
    )
    _customer_bump(customer, [])
    _changed_notify(customer=customer, keys=[f"contact_point.{point.pk}"])


def contact_point_email_mark_verified(*, user, context: ChangeContext) -> None:
    """The sign-in email was confirmed through allauth: the matching contact point is verified too."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(user=user).first()
        if customer is None:
            return
        point = ContactPoint.objects.filter(
            customer=customer, kind=ContactPointKind.EMAIL, value=user.email.lower(), verified_at__isnull=True
        ).first()
        if point is not None:
            _contact_point_mark_verified(customer=customer, point=point, context=context)


# --- Customers known to other systems (API) ------------------------------------------------------


def customer_upsert(
    *,
    context: ChangeContext,
    external_id: str,
    email: str = "",
    email_verified: bool = False,
    phone: str = "",
    phone_verified: bool = False,
    first_name: str | None = None,
    last_name: str | None = None,
    language: str | None = None,
) -> tuple[Customer, bool]:
    """Create or update the customer another system knows by `external_id`; returns (customer, created).

    Contact points are only added (or marked verified), never removed: the customer may have added
    others in the portal. A language change is a consent event like any other.
    """
    email_value = _upsert_point_clean("email", ContactPointKind.EMAIL, email)
    phone_value = _upsert_point_clean("phone", ContactPointKind.PHONE, phone)
    if language is not None:
        customer_value_clean("language", language)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(external_id=external_id).first()
        if customer is None:
            try:
                with transaction.atomic():
                    customer = customer_create(
                        context=context,
                        external_id=external_id,
                        email=email_value,
                        email_verified=email_verified,
                        phone=phone_value,
                        phone_verified=phone_verified,
                        first_name=first_name or "",
                        last_name=last_name or "",
                        language=language or "fr",
                    )
                return customer, True
            except IntegrityError:
                # Another request created this customer at the same moment: update it instead.
                customer = Customer.objects.select_for_update().get(external_id=external_id)
        if customer.erased_at is not None:
            raise PreferenceError({"external_id": _("This customer's data has been erased.")})
        # One call, one change: whatever it touches, the version moves once and one webhook says it all.
        _change_begin(customer)
        fields = [
            field
            for field, value in (("first_name", first_name), ("last_name", last_name))
            if value is not None and getattr(customer, field) != value
        ]
        for field in fields:
            setattr(customer, field, first_name if field == "first_name" else last_name)
        keys: list[str] = []
        for kind, value, verified in (
            (ContactPointKind.EMAIL, email_value, email_verified),
            (ContactPointKind.PHONE, phone_value, phone_verified),
        ):
            if value:
                keys += _upsert_point(customer=customer, kind=kind, value=value, verified=verified, context=context)
        suppressed_keys, suppressed_fields = _suppression_apply(
            customer=customer, emails=[email_value], phones=[phone_value], context=context
        )
        keys += suppressed_keys
        fields += suppressed_fields
        if language is not None:
            applied, language_fields = _changes_apply(preference_document_build(customer), {"customer.language": language})
            _events_append(customer=customer, changes=applied, context=context)
            keys += [key for key, _old, _new in applied]
            fields += language_fields
        if fields or keys:
            _customer_bump(customer, list(dict.fromkeys(fields)))
            _changed_notify(customer=customer, keys=keys)
        else:
            _change_abandon(customer)
    return customer, False


def _upsert_point_clean(field: str, kind: str, value: str) -> str:
    if not value:
        return ""
    try:
        return contact_point_value_clean(kind=kind, value=value)[0]
    except PreferenceError as error:
        raise PreferenceError({field: error.message_dict["value"]}) from None


def _upsert_point(
    *, customer: Customer, kind: str, value: str, verified: bool, context: ChangeContext
) -> list[str]:
    """Add a contact point, or mark an existing one verified; the keys changed (none or one)."""
    point = ContactPoint.objects.filter(customer=customer, kind=kind, value=value).first()
    if point is None:
        point = _contact_point_create(customer=customer, kind=kind, value=value, verified=verified, context=context)
        return [f"contact_point.{point.pk}"]
    if verified and not point.is_verified:
        old = contact_point_state(point)
        point.verified_at = timezone.now()
        point.save(update_fields=["verified_at"])
        _events_append(
            customer=customer, changes=[(f"contact_point.{point.pk}", old, contact_point_state(point))], context=context
        )
        return [f"contact_point.{point.pk}"]
    return []
