"""Writes of the privacy app: data exports, erasure, and the suppression list.

Erasure removes what identifies the person and keeps what proves how they were contacted:
- names, the CRM's external id, contact points (and their verification codes), free texts of
  human-contact requests and their notes, the chatbot conversations handed over with them, the
  outbox messages sent to their addresses, their one-click links and data exports are deleted or
  blanked; the portal account is deactivated and anonymised (unusable password, placeholder email,
  no email addresses, no MFA devices);
- the consent ledger is pseudonymised, not deleted: contact-point values, truncated IPs, user
  agents, free-text reasons and evidence are removed from the customer's events; what changed,
  when, by which kind of actor and through what stays (on PostgreSQL the ledger's trigger allows
  exactly this, and only inside an erasure: see privacy/migrations/0002);
- the customer row stays, marked `erased_at`, so that the ledger keeps its foreign keys; every
  service refuses to change an erased customer and no surface shows one;
- a keyed hash of each email address and phone number joins the suppression list, so that an
  import (preferences.customers.customer_create/customer_upsert) of the same address objects to
  marketing from the start instead of silently subscribing the person again.

An erasure is itself an event, so that other systems erase their copies:
- the ledger gets a `customer.erased` event (after the pseudonymisation, with nothing personal in
  it), which readers of the change feed see at its place in the feed;
- requests to talk to a person still in progress are withdrawn (status `withdrawn`, a
  `contact_request.changed` webhook each): nobody calls the person about them any more;
- every earlier webhook event of the customer is redacted in the outbox (external id removed,
  `erased: true`), so that no retry or replay sends it again; the `customer.erased` webhook alone
  carries the external id, the only way a CRM finds the record to erase.
"""

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.db import is_postgresql
from common.tasks import task_queue
from common.times import utc_text
from contact_requests.models import ContactRequest, ContactRequestConversation, ContactRequestEvent
from contact_requests.services import Actor, contact_requests_withdraw
from links.models import OneClickLink
from notifications.models import OutboundMessage
from outbox.services import customer_events_redact
from preferences.customers import customer_erasure_record
from preferences.domain import ContactPointKind, Source
from preferences.events import customer_event_record
from preferences.ledger import ChangeContext, reason_given
from preferences.models import ContactPoint, Customer
from preferences.state import PreferenceError
from preferences.suppression import identities_suppress
from privacy.emails import data_export_finished_email_queue
from privacy.exports import export_csv, export_json
from privacy.models import DataExport, Erasure, RequestedBy
from privacy.selectors import customer_data_collect

logger = logging.getLogger(__name__)

# What erasure removes from the customer's consent events (see the trigger in migrations/0002).
LEDGER_PSEUDONYMISE_SQL = """
UPDATE preferences_consentevent
SET old_value = CASE WHEN key LIKE 'contact_point.%%' THEN NULL ELSE old_value END,
    new_value = CASE WHEN key LIKE 'contact_point.%%' THEN NULL ELSE new_value END,
    ip_truncated = '', user_agent = '', reason = '', evidence = ''
WHERE customer_id = %s
"""


# --- Exports -------------------------------------------------------------------------------------


def data_export_request(*, customer_id: int, requested_by_type: str, requested_by_id: str = "", reason: str = "") -> DataExport:
    """Queue the preparation of a download; while one of the same requester is in progress, that one
    is returned (each requester sees its own: an API client never gets the customer's, nor the reverse)."""
    if requested_by_type == RequestedBy.STAFF and not reason_given(reason):
        raise PreferenceError({"reason": _("Say why you prepare this download for the customer.")})
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if customer.erased_at is not None:
            raise PreferenceError({"customer": _("This customer's data has been erased.")})
        in_progress = DataExport.objects.filter(
            customer=customer,
            requested_by_type=requested_by_type,
            requested_by_id=requested_by_id,
            status__in=(DataExport.Status.PENDING, DataExport.Status.RUNNING),
        ).first()
        if in_progress is not None:
            return in_progress
        export = DataExport.objects.create(
            customer=customer,
            requested_by_type=requested_by_type,
            requested_by_id=requested_by_id,
            reason=reason.strip(),
            expires_at=timezone.now() + timedelta(days=settings.DATA_EXPORT_KEEP_DAYS),
        )
        transaction.on_commit(lambda: _build_queue(export.pk))
    return export


def _build_queue(export_id: int) -> None:
    try:
        task_queue("privacy.tasks.data_export_build", export_id)
    except Exception:  # the broker is down: the beat job builds exports left pending
        logger.warning("Could not queue data export %s; the beat job will build it.", export_id)


def _progress(export_id: int, **fields) -> None:
    DataExport.objects.filter(pk=export_id).update(**fields)


def data_export_build(*, export_id: int) -> DataExport | None:
    """Prepare the files, recording progress as it goes (each step is committed, so the page sees it)."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id, status=DataExport.Status.PENDING).first()
        if export is None:
            return None
        export.status, export.progress = DataExport.Status.RUNNING, 10
        export.save(update_fields=["status", "progress"])
    try:
        data = customer_data_collect(customer_id=export.customer_id)
        _progress(export.pk, progress=50)
        json_content = export_json(data)
        _progress(export.pk, progress=75)
        csv_content = export_csv(data)
    except Exception:
        logger.exception("Data export %s failed", export_id)
        return _export_finish(export.pk, status=DataExport.Status.FAILED, finished_at=timezone.now())
    now = timezone.now()
    return _export_finish(
        export.pk,
        status=DataExport.Status.READY,
        progress=100,
        json_content=json_content,
        csv_content=csv_content,
        finished_at=now,
        expires_at=now + timedelta(days=settings.DATA_EXPORT_KEEP_DAYS),
    )


def _export_finish(export_id: int, **fields) -> DataExport:
    """The last step and the customer's email in one transaction: told once, and only of what was saved."""
    with transaction.atomic():
        _progress(export_id, **fields)
        export = DataExport.objects.select_related("customer__user").defer("json_content", "csv_content").get(pk=export_id)
        data_export_finished_email_queue(export)
    return export


def data_exports_purge(*, now: datetime | None = None) -> int:
    """Beat job: delete exports past their keeping time; build those a lost task left pending."""
    now = now or timezone.now()
    deleted, _per_model = DataExport.objects.filter(expires_at__lte=now).delete()
    stuck = DataExport.objects.filter(status=DataExport.Status.PENDING, created_at__lte=now - timedelta(minutes=5))
    for export_id in stuck.values_list("pk", flat=True):
        data_export_build(export_id=export_id)
    return deleted


# --- Erasure -------------------------------------------------------------------------------------

# Personal data kept by apps built on privacy, which privacy must not import: each registers, in its
# AppConfig.ready(), a function that deletes what it holds of the customer, given the values that name
# them (external id, email addresses, phone numbers). Run inside the erasure's transaction.
ERASURE_STEPS: list[Callable[..., Any]] = []


def erasure_step_register(step: Callable[..., Any]) -> None:
    """Add a step to every erasure: step(values=set_of_str) deletes what names any of the values."""
    ERASURE_STEPS.append(step)


# Who asked, as the ledger records actors: a RequestedBy value is also an ActorType value.
ERASURE_SOURCES = {RequestedBy.CUSTOMER: Source.PORTAL, RequestedBy.STAFF: Source.CONSOLE, RequestedBy.API_CLIENT: Source.API}


def customer_erase(*, customer_id: int, requested_by_type: str, requested_by_id: str = "", reason: str = "") -> Customer:
    """Erase a customer's personal data (see the module docstring); one transaction. Staff and API
    clients say why (the reason is kept on the Erasure row, never in the ledger)."""
    if requested_by_type not in ERASURE_SOURCES:
        raise ValueError(f"Unknown requester type {requested_by_type!r}.")
    if requested_by_type != RequestedBy.CUSTOMER and not reason_given(reason):
        raise PreferenceError({"reason": _("Say why you erase this customer's data.")})
    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer_id)
        if customer.erased_at is not None:
            raise PreferenceError({"customer": _("This customer's data has been erased.")})
        # First, while the requests still read as they were: their state changes are told like any other.
        contact_requests_withdraw(
            customer_id=customer.pk, actor=Actor(type=requested_by_type, id=requested_by_id), now=now
        )
        points = list(ContactPoint.objects.filter(customer=customer))
        addresses = {point.value for point in points if point.kind != ContactPointKind.POSTAL}
        identities = {(p.kind, p.value) for p in points if p.kind in (ContactPointKind.EMAIL, ContactPointKind.PHONE)}
        if customer.user_id:
            addresses.add(customer.user.email)
            identities.add((ContactPointKind.EMAIL, customer.user.email.lower()))
        identities_suppress(identities)
        _ledger_pseudonymise(customer.pk)
        ContactPoint.objects.filter(customer=customer).delete()  # their verification challenges too
        OutboundMessage.objects.filter(to__in=addresses).delete()
        OneClickLink.objects.filter(customer=customer).delete()
        DataExport.objects.filter(customer=customer).delete()
        ContactRequest.objects.filter(customer=customer).update(reason="", contested_decision="", outcome="")
        ContactRequestConversation.objects.filter(contact_request__customer=customer).delete()  # what they told a chatbot
        # Request events are append-only through their manager; erasure blanks only their free texts (notes, reasons).
        models.QuerySet(ContactRequestEvent).filter(contact_request__customer=customer).update(note="", details={})
        if customer.user_id:
            _user_anonymise(customer.user)
        external_id = customer.external_id
        for step in ERASURE_STEPS:
            step(values={value for value in (*addresses, external_id) if value})
        customer.first_name = customer.last_name = ""
        customer.external_id = None
        customer.erased_at = now
        customer.version += 1
        customer.save(update_fields=["first_name", "last_name", "external_id", "erased_at", "version", "updated_at"])
        Erasure.objects.create(
            customer=customer,
            erased_at=now,
            requested_by_type=requested_by_type,
            requested_by_id=requested_by_id,
            reason=reason.strip(),
        )
        context = ChangeContext(
            actor_type=requested_by_type, source=ERASURE_SOURCES[requested_by_type], actor_id=requested_by_id
        )
        customer_erasure_record(customer=customer, context=context)
        _erased_event_record(customer, external_id=external_id)
    return customer


def _ledger_pseudonymise(customer_id: int) -> None:
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute("SET LOCAL portal.erasure = 'on'")
        cursor.execute(LEDGER_PSEUDONYMISE_SQL, [customer_id])
        if is_postgresql():
            cursor.execute("SET LOCAL portal.erasure = 'off'")


def _user_anonymise(user) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
    user.first_name = user.last_name = ""
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()  # also ends every session of the account (the session hash changes)
    user.save(update_fields=["email", "first_name", "last_name", "is_active", "last_login", "password"])


def _erased_event_record(customer: Customer, *, external_id: str | None) -> None:
    """Tell other systems (through the outbox) so that they erase their copy: the ids they know the
    customer by (the CRM's external id is the only way it can find its record), nothing else."""
    customer_events_redact(customer_id=customer.pk)
    customer_event_record(
        type="customer.erased", customer=customer, external_id=external_id, erased_at=utc_text(customer.erased_at)
    )
