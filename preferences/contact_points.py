"""Contact points: cleaning an address, adding and removing one, sending verification codes and
marking a contact point verified, each change recorded in the consent ledger."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import NamedTuple

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.services import email_enqueue, sms_enqueue
from preferences.document import contact_point_state
from preferences.domain import PHONE_NUMBER_SERVICES, ContactPointKind, MessagingService, PhoneType
from preferences.keys import SettingKey
from preferences.ledger import (
    ChangeContext,
    StaleVersion,
    change_begin,
    changed_notify,
    customer_bump,
    customer_lock,
    events_append,
    staff_reason_require,
)
from preferences.models import ContactPoint, Customer, VerificationChallenge
from preferences.state import PreferenceError

VERIFICATION_CODE_TTL = timedelta(minutes=15)
CODE_MINUTES = int(VERIFICATION_CODE_TTL.total_seconds() // 60)
VERIFICATION_MAX_ATTEMPTS = 5


# App installation ids (push tokens, UUIDs): letters, digits and . _ : - only, up to 200.
APP_INSTALLATION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$"
# A messaging user name (Telegram, Signal, Messenger): an optional @, then letters, digits, . _ -.
MESSAGING_HANDLE_PATTERN = r"^@?[A-Za-z0-9][A-Za-z0-9._-]{1,63}$"


class StatedPoint(NamedTuple):
    """A contact point another system gives (an app installation, a messaging account as
    `<service>:<handle>`), and whether it verified it."""

    value: str
    verified: bool = False


def phone_parse(text: str) -> phonenumbers.PhoneNumber | None:
    """A valid phone number read from how people write it (French when it has no country code), or None."""
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _phone_clean(value: str) -> tuple[str, str]:
    number = phone_parse(value)
    if number is None:
        raise PreferenceError({"value": _("Enter a valid phone number, such as 06 12 34 56 78.")})
    number_type = phonenumbers.number_type(number)
    mobile_types = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    phone_type = PhoneType.MOBILE if number_type in mobile_types else PhoneType.LANDLINE
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), phone_type


def messaging_value(*, service: str, handle: str) -> str:
    """A messaging account as a contact point stores it: `<service>:<handle>`."""
    return f"{service}:{handle}"


def phone_display(number: str) -> str:
    """A stored number (E.164) as people write it: a French one nationally (06 12 34 56 78), another
    with its country code (+32 470 12 34 56); anything that is no number, as it is."""
    parsed = phone_parse(number)
    if parsed is None:
        return number
    national = phonenumbers.region_code_for_number(parsed) == "FR"
    style = phonenumbers.PhoneNumberFormat.NATIONAL if national else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)


def contact_point_display(*, kind: str, value: str) -> str:
    """A contact point's value as a person reads it: phone numbers spaced (phone_display), a
    messaging account as "WhatsApp: 06 12 34 56 78"; an email or a postal address as stored."""
    if kind == ContactPointKind.PHONE:
        return phone_display(value)
    if kind == ContactPointKind.MESSAGING:
        service, _sep, handle = value.partition(":")
        if service in MessagingService.values:
            shown = phone_display(handle) if service in PHONE_NUMBER_SERVICES else handle
            return _("%(service)s: %(handle)s") % {"service": MessagingService(service).label, "handle": shown}
    return value


def _messaging_clean(value: str) -> str:
    service, _sep, handle = value.partition(":")
    if service not in MessagingService.values:
        raise PreferenceError({"value": _("Name the messaging service: %(services)s.") % {
            "services": ", ".join(MessagingService.values)
        }})
    handle = handle.strip()
    if service in PHONE_NUMBER_SERVICES:
        number, phone_type = _phone_clean(handle)
        if phone_type != PhoneType.MOBILE:
            raise PreferenceError({"value": _("This service reaches a mobile phone number.")})
        return messaging_value(service=service, handle=number)
    if not re.match(MESSAGING_HANDLE_PATTERN, handle):
        raise PreferenceError({"value": _("Enter the user name on this service: letters, digits, dots, dashes or underscores.")})
    return messaging_value(service=service, handle=handle)


def contact_point_value_clean(*, kind: str, value: str, phone_type: str = "") -> tuple[str, str]:
    """Normalise a contact point: (value, phone_type). Raises PreferenceError with a clear message.

    `phone_type` (mobile or landline) states what a phone number is, over what its number says: a
    number ported to a landline service, or a mobile range used by a fixed box."""
    value = (value or "").strip()
    if phone_type and (kind != ContactPointKind.PHONE or phone_type not in PhoneType.values):
        raise PreferenceError({"phone_type": _("Only a phone number is mobile or landline.")})
    if kind == ContactPointKind.EMAIL:
        try:
            validate_email(value)
        except ValidationError:
            raise PreferenceError({"value": _("Enter a valid email address.")}) from None
        return value.lower(), ""
    if kind == ContactPointKind.PHONE:
        number, guessed = _phone_clean(value)
        return number, phone_type or guessed
    if kind == ContactPointKind.POSTAL:
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        if len(lines) < 2 or len(value) > 500:
            raise PreferenceError({"value": _("Enter the full postal address: street, then postcode and town.")})
        return "\n".join(lines), ""
    if kind == ContactPointKind.APP:
        if not re.match(APP_INSTALLATION_PATTERN, value):
            raise PreferenceError({"value": _("Enter the app installation identifier.")})
        return value, ""
    if kind == ContactPointKind.MESSAGING:
        return _messaging_clean(value), ""
    raise PreferenceError({"kind": _("Unknown kind of contact point.")})


def contact_point_create(
    *,
    customer: Customer,
    kind: str,
    value: str,
    context: ChangeContext,
    verified: bool = False,
    phone_type: str = "",
) -> ContactPoint:
    value, phone_type = contact_point_value_clean(kind=kind, value=value, phone_type=phone_type)
    if ContactPoint.objects.filter(customer=customer, kind=kind, value=value).exists():
        raise PreferenceError({"value": _("You already have this contact point.")})
    point = ContactPoint.objects.create(
        customer=customer,
        kind=kind,
        value=value,
        phone_type=phone_type,
        verified_at=timezone.now() if verified else None,
    )
    events_append(
        customer=customer,
        changes=[(str(SettingKey.contact_point(point.pk)), None, contact_point_state(point))],
        context=context,
    )
    return point


def contact_point_add(
    *, customer_id: int, kind: str, value: str, context: ChangeContext, phone_type: str = ""
) -> ContactPoint:
    """Add a contact point and, if it is an email or phone, send it a verification code."""
    staff_reason_require(context)
    with transaction.atomic():
        customer = customer_lock(customer_id)
        change_begin(customer)
        point = contact_point_create(
            customer=customer, kind=kind, value=value, context=context, phone_type=phone_type
        )
        customer_bump(customer, [])
        changed_notify(customer=customer, keys=[str(SettingKey.contact_point(point.pk))])
        if kind in (ContactPointKind.EMAIL, ContactPointKind.PHONE):
            _verification_send(point=point, customer=customer)
    return point


def contact_point_import(
    *, customer_id: int, kind: str, value: str, context: ChangeContext, verified: bool = False, phone_type: str = ""
) -> ContactPoint:
    """Record a contact point known from another system (an import), without sending a code."""
    with transaction.atomic():
        customer = customer_lock(customer_id)
        change_begin(customer)
        point = contact_point_create(
            customer=customer, kind=kind, value=value, context=context, verified=verified, phone_type=phone_type
        )
        customer_bump(customer, [])
        changed_notify(customer=customer, keys=[str(SettingKey.contact_point(point.pk))])
    return point


def contact_point_remove(
    *, customer_id: int, contact_point_id: int, context: ChangeContext, expected_version: int | None = None
) -> None:
    """Remove a contact point. The sign-in email of a portal account cannot be removed here.
    Raises StaleVersion when `expected_version` is not the current one (an undo of an older change)."""
    staff_reason_require(context)
    with transaction.atomic():
        customer = customer_lock(customer_id)
        _version_check(customer, expected_version)
        point = ContactPoint.objects.get(pk=contact_point_id, customer=customer)
        if point.kind == ContactPointKind.EMAIL and customer.user_id and point.value == customer.user.email.lower():
            raise PreferenceError({"value": _("This is the address you sign in with; it cannot be removed.")})
        old = contact_point_state(point)
        point.delete()
        change_begin(customer)
        events_append(customer=customer, changes=[(str(SettingKey.contact_point(contact_point_id)), old, None)], context=context)
        customer_bump(customer, [])
        changed_notify(customer=customer, keys=[str(SettingKey.contact_point(contact_point_id))])


def contact_point_restore(
    *, customer_id: int, state: dict, context: ChangeContext, expected_version: int
) -> ContactPoint:
    """Put back a contact point the customer removed in their latest change (an undo), as the ledger
    recorded it: same kind and value, verified if it was (it was theirs and proven a moment ago)."""
    with transaction.atomic():
        customer = customer_lock(customer_id)
        _version_check(customer, expected_version)
        change_begin(customer)
        point = contact_point_create(
            customer=customer, kind=state["kind"], value=state["value"], context=context, verified=bool(state["verified"])
        )
        customer_bump(customer, [])
        changed_notify(customer=customer, keys=[str(SettingKey.contact_point(point.pk))])
    return point


def _version_check(customer: Customer, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != customer.version:
        raise StaleVersion(customer.version)


def contact_point_change(
    *, customer_id: int, contact_point_id: int, context: ChangeContext, verified: bool = False, phone_type: str = ""
) -> bool:
    """Record that another system verified a contact point (who and how: the context's evidence), and
    or state what a phone is (mobile or landline), as one change. False when nothing changes (verified
    already, the same type). Raises ContactPoint.DoesNotExist, or PreferenceError for a phone type given
    to another kind of contact point."""
    if phone_type and phone_type not in PhoneType.values:
        raise PreferenceError({"phone_type": _("A phone is mobile or landline.")})
    with transaction.atomic():
        customer = customer_lock(customer_id)
        point = ContactPoint.objects.get(pk=contact_point_id, customer=customer)
        if phone_type and point.kind != ContactPointKind.PHONE:
            raise PreferenceError({"phone_type": _("Only a phone number is mobile or landline.")})
        old = contact_point_state(point)
        fields = []
        if verified and point.verified_at is None:
            point.verified_at = timezone.now()
            fields.append("verified_at")
        if phone_type and point.phone_type != phone_type:
            point.phone_type = phone_type
            fields.append("phone_type")
        if not fields:
            return False
        point.save(update_fields=fields)
        change_begin(customer)
        key = str(SettingKey.contact_point(point.pk))
        events_append(customer=customer, changes=[(key, old, contact_point_state(point))], context=context)
        customer_bump(customer, [])
        changed_notify(customer=customer, keys=[key])
    return True


def _code_hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _phone_code_text(code: str) -> str:
    """The code SMS says what the code is for: one GSM-7 part (160 characters) in French too."""
    return ngettext(
        "Code to confirm this number in your contact preferences: %(code)s (valid %(minutes)s minute).",
        "Code to confirm this number in your contact preferences: %(code)s (valid %(minutes)s minutes).",
        CODE_MINUTES,
    ) % {"code": code, "minutes": CODE_MINUTES}


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
            sms_enqueue(to=point.value, body=_phone_code_text(code))
        else:
            body = render_to_string(
                "preferences/email/verify_contact_point.txt", {"code": code, "point": point, "minutes": CODE_MINUTES}
            )
            email_enqueue(
                message=EmailMessage(subject=_("Confirm your email address"), body=body, to=[point.value]),
                language=customer.language,
            )
    return challenge


def contact_point_verification_resend(*, customer_id: int, contact_point_id: int) -> None:
    """Send a fresh code (the previous ones stop working)."""
    with transaction.atomic():
        customer = customer_lock(customer_id)
        point = ContactPoint.objects.get(pk=contact_point_id, customer=customer)
        if point.is_verified:
            raise PreferenceError({"code": _("This contact point is already verified.")})
        _verification_send(point=point, customer=customer)


def contact_point_verify(*, customer_id: int, contact_point_id: int, code: str, context: ChangeContext) -> ContactPoint:
    """Check a verification code; a right code marks the contact point verified."""
    wrong_code = False
    with transaction.atomic():
        customer = customer_lock(customer_id)
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
    contact_point_mark_verified(customer=customer, point=point, context=context)


def contact_point_mark_verified(*, customer: Customer, point: ContactPoint, context: ChangeContext) -> None:
    old = contact_point_state(point)
    point.verified_at = timezone.now()
    point.save(update_fields=["verified_at"])
    change_begin(customer)
    events_append(
        customer=customer, changes=[(str(SettingKey.contact_point(point.pk)), old, contact_point_state(point))], context=context
    )
    customer_bump(customer, [])
    changed_notify(customer=customer, keys=[str(SettingKey.contact_point(point.pk))])


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
            contact_point_mark_verified(customer=customer, point=point, context=context)
