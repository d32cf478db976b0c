"""Customers: creating one (in the portal, or known to another system by its external id, created
or updated), and recording the erasure of one in the ledger."""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from preferences.changes import changes_apply
from preferences.contact_points import StatedPoint, contact_point_create, contact_point_value_clean
from preferences.document import contact_point_state
from preferences.documents_pg import preference_document_build
from preferences.domain import DEFAULT_CHANNEL_RANKING, ActorType, ContactPointKind, Source
from preferences.events import customer_event_record
from preferences.keys import SettingKey
from preferences.ledger import (
    ChangeContext,
    change_abandon,
    change_begin,
    changed_notify,
    customer_bump,
    events_append,
)
from preferences.models import ContactPoint, Customer
from preferences.state import ERASED_KEY, PreferenceError, customer_value_clean
from preferences.suppression import suppression_apply


def customer_erasure_record(*, customer: Customer, context: ChangeContext) -> None:
    """Append the ledger's erasure event (`customer.erased`: None → True), so that readers of the change
    feed learn that this customer's personal data was erased and erase their copies. Call it inside the
    erasure's transaction. It holds nothing personal: who asked (kind and id of the actor), through what,
    when; no reason, address or user agent, whatever the context carries."""
    bare = ChangeContext(
        actor_type=context.actor_type, source=context.source, actor_id=context.actor_id, reason_code="erasure"
    )
    events_append(customer=customer, changes=[(ERASED_KEY, None, True)], context=bare)


class UpsertPoint(NamedTuple):
    """A contact point given with a customer: the input field it came from, its value as stored, whether
    the caller verified it, the phone type it stated (or "") and the one stored (stated or guessed)."""

    field: str
    kind: str
    value: str
    verified: bool = False
    stated_type: str = ""
    phone_type: str = ""


def customer_points_clean(
    *,
    email: str = "",
    email_verified: bool = False,
    phone: str = "",
    phone_verified: bool = False,
    phone_type: str = "",
    postal_address: str = "",
    postal_address_verified: bool = False,
    messaging: Sequence[StatedPoint] = (),
    app_installations: Sequence[StatedPoint] = (),
) -> list[UpsertPoint]:
    """The contact points given with a customer, cleaned as stored, each once (verified if any copy
    is). Raises PreferenceError keyed by the input fields, with every field in error."""
    given = [
        UpsertPoint("email", ContactPointKind.EMAIL, email, email_verified),
        UpsertPoint("phone", ContactPointKind.PHONE, phone, phone_verified, phone_type),
        UpsertPoint("postal_address", ContactPointKind.POSTAL, postal_address, postal_address_verified),
        *(UpsertPoint("messaging", ContactPointKind.MESSAGING, p.value, p.verified) for p in messaging),
        *(UpsertPoint("app_installations", ContactPointKind.APP, p.value, p.verified) for p in app_installations),
    ]
    errors: dict[str, list[str]] = {}
    if phone_type and not phone:
        errors["phone_type"] = [_("Give the phone number that phone_type describes, in phone.")]
    cleaned: dict[tuple[str, str], UpsertPoint] = {}
    for point in given:
        if not point.value:
            continue
        try:
            value, stored_type = contact_point_value_clean(
                kind=point.kind, value=point.value, phone_type=point.stated_type
            )
        except PreferenceError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(point.field if name == "value" else name, messages)
            continue
        earlier = cleaned.get((point.kind, value))
        verified = point.verified or (earlier is not None and earlier.verified)
        cleaned[(point.kind, value)] = point._replace(value=value, verified=verified, phone_type=stored_type)
    if errors:
        raise PreferenceError(errors)
    return list(cleaned.values())


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
    phone_type: str = "",
    postal_address: str = "",
    postal_address_verified: bool = False,
    messaging: Sequence[StatedPoint] = (),
    app_installations: Sequence[StatedPoint] = (),
) -> Customer:
    """Create a customer, with their email (phone, postal address, messaging accounts, app
    installations) as contact points, and record the initial state.

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
        events_append(
            customer=customer,
            changes=[(key, None, value) for key, value in document.state().items()],
            context=context,
        )
        points = customer_points_clean(
            email=email,
            email_verified=email_verified,
            phone=phone,
            phone_verified=phone_verified,
            phone_type=phone_type,
            postal_address=postal_address,
            postal_address_verified=postal_address_verified,
            messaging=messaging,
            app_installations=app_installations,
        )
        for point in points:
            contact_point_create(
                customer=customer,
                kind=point.kind,
                value=point.value,
                verified=point.verified,
                context=context,
                phone_type=point.stated_type,
            )
        _applied, fields = suppression_apply(customer=customer, emails=[email], phones=[phone], context=context)
        if fields:  # part of the creation: saved at version 1, not a second version
            customer.save(update_fields=[*fields, "updated_at"])
        customer_event_record(type="customer.created", customer=customer)
    return customer


def customer_create_for_user(*, user, language: str, ip_truncated: str = "", user_agent: str = "") -> Customer:
    """The customer record of a person who just signed up in the portal (from where: see
    common.request_origin)."""
    context = ChangeContext(
        actor_type=ActorType.CUSTOMER, source=Source.PORTAL, ip_truncated=ip_truncated, user_agent=user_agent
    )
    return customer_create(user=user, email=user.email, language=language, context=context)


def customer_upsert(
    *,
    context: ChangeContext,
    external_id: str,
    email: str = "",
    email_verified: bool = False,
    phone: str = "",
    phone_verified: bool = False,
    phone_type: str = "",
    postal_address: str = "",
    postal_address_verified: bool = False,
    messaging: Sequence[StatedPoint] = (),
    app_installations: Sequence[StatedPoint] = (),
    first_name: str | None = None,
    last_name: str | None = None,
    language: str | None = None,
) -> tuple[Customer, bool]:
    """Create or update the customer another system knows by `external_id`; returns (customer, created).

    Contact points are only added (or marked verified, or given the phone type stated), never removed:
    the customer may have added others in the portal. A language change is a consent event like any other.
    """
    points = customer_points_clean(
        email=email,
        email_verified=email_verified,
        phone=phone,
        phone_verified=phone_verified,
        phone_type=phone_type,
        postal_address=postal_address,
        postal_address_verified=postal_address_verified,
        messaging=messaging,
        app_installations=app_installations,
    )
    email_value = next((p.value for p in points if p.kind == ContactPointKind.EMAIL), "")
    phone_value = next((p.value for p in points if p.kind == ContactPointKind.PHONE), "")
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
                        phone_type=phone_type,
                        postal_address=postal_address,
                        postal_address_verified=postal_address_verified,
                        messaging=messaging,
                        app_installations=app_installations,
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
        change_begin(customer)
        fields = [
            field
            for field, value in (("first_name", first_name), ("last_name", last_name))
            if value is not None and getattr(customer, field) != value
        ]
        for field in fields:
            setattr(customer, field, first_name if field == "first_name" else last_name)
        keys: list[str] = []
        for point in points:
            keys += _upsert_point(
                customer=customer,
                kind=point.kind,
                value=point.value,
                verified=point.verified,
                phone_type=point.stated_type,
                context=context,
            )
        suppressed_keys, suppressed_fields = suppression_apply(
            customer=customer, emails=[email_value], phones=[phone_value], context=context
        )
        keys += suppressed_keys
        fields += suppressed_fields
        if language is not None:
            applied, language_fields = changes_apply(preference_document_build(customer), {"customer.language": language})
            events_append(customer=customer, changes=applied, context=context)
            keys += [key for key, _old, _new in applied]
            fields += language_fields
        if fields or keys:
            customer_bump(customer, list(dict.fromkeys(fields)))
            changed_notify(customer=customer, keys=keys)
        else:
            change_abandon(customer)
    return customer, False


def _upsert_point(
    *, customer: Customer, kind: str, value: str, verified: bool, phone_type: str, context: ChangeContext
) -> list[str]:
    """Add a contact point, or mark an existing one verified or of the phone type stated; the keys
    changed (none or one)."""
    point = ContactPoint.objects.filter(customer=customer, kind=kind, value=value).first()
    if point is None:
        point = contact_point_create(
            customer=customer, kind=kind, value=value, verified=verified, phone_type=phone_type, context=context
        )
        return [str(SettingKey.contact_point(point.pk))]
    fields = []
    if verified and not point.is_verified:
        fields.append("verified_at")
    if phone_type and point.phone_type != phone_type:
        fields.append("phone_type")
    if fields:
        old = contact_point_state(point)
        point.verified_at = timezone.now() if "verified_at" in fields else point.verified_at
        point.phone_type = phone_type or point.phone_type
        point.save(update_fields=fields)
        events_append(
            customer=customer, changes=[(str(SettingKey.contact_point(point.pk)), old, contact_point_state(point))], context=context
        )
        return [str(SettingKey.contact_point(point.pk))]
    return []
