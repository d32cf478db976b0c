"""The consent ledger's write side: who changes a customer (ChangeContext), appending the
ConsentEvents of one change, and the customer lock and version bump every change goes through."""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from common.pg_rows import instance_update, instances_insert
from preferences.catalog import notice_versions_current
from preferences.domain import ActorType, Source
from preferences.events import customer_event_record
from preferences.models import ConsentEvent, Customer
from preferences.state import PreferenceError


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
    def system(cls, *, reason: str = "") -> "ChangeContext":
        return cls(actor_type=ActorType.SYSTEM, source=Source.SYSTEM, reason=reason)


def events_append(
    *, customer: Customer, changes: list[tuple[str, Any, Any]], context: ChangeContext
) -> list[ConsentEvent]:
    """Append the consent events of one change, each with the version the change produces (already in
    customer.version: see change_begin); the events of one change share it. Returns them, in order."""
    if not changes:
        return []
    versions = notice_versions_current()
    now = timezone.now()
    events = [
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
    return instances_insert(events)  # bulk_create, without compiling the INSERT each time on PostgreSQL


def changed_notify(*, customer: Customer, keys: list[str]) -> None:
    """Tell other systems of one change (customer.preferences_changed webhook), once per change, with
    every key it changed and the one version it produced. Call it after customer_bump."""
    if keys:
        customer_event_record(type="customer.preferences_changed", customer=customer, changed=list(dict.fromkeys(keys)))


def reason_given(reason: str | None) -> bool:
    """Whether someone acting on a customer's behalf said why: some words, not only blanks or
    punctuation (".", "-": the customer may be sent the reason). The one test of a staff reason (changes
    here, overrides in the console, exports and erasures in privacy); each caller words its own message."""
    return any(character.isalnum() for character in reason or "")


def staff_reason_require(context: ChangeContext) -> None:
    """A change an agent makes on a customer's behalf carries a reason code and a reason."""
    if context.actor_type == ActorType.STAFF and not (context.reason_code and reason_given(context.reason)):
        raise PreferenceError({"reason": _("A change on a customer's behalf needs a reason code and a reason.")})


def customer_lock(customer_id: int) -> Customer:
    """The customer row, locked until the end of the transaction; refuses an erased customer."""
    customer = Customer.objects.select_for_update(of=("self",)).select_related("user").get(pk=customer_id)
    if customer.erased_at is not None:
        raise CustomerErased()
    return customer


# One change, one version. A service that changes a customer calls change_begin once, under the
# customer's lock: customer.version is then the version the change produces, which every consent
# event of the change and its webhook carry. It ends with customer_bump (something changed: saved) or
# change_abandon (nothing did: the version stays). A customer is created at version 1.


def change_begin(customer: Customer) -> None:
    customer.version += 1


def customer_bump(customer: Customer, fields: list[str]) -> None:
    # save(update_fields=…), without compiling the UPDATE each time on PostgreSQL (common.pg_rows).
    instance_update(customer, [*fields, "version", "updated_at"])


def change_abandon(customer: Customer) -> None:
    customer.version -= 1
