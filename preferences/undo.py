"""Undo: the inverse of a customer's latest change, computed from the ledger's before and after values,
applied as a change of its own through the services (its events' reason: an undo of that event)."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from preferences.changes import preferences_change
from preferences.contact_points import contact_point_remove, contact_point_restore
from preferences.domain import ActorType, ChangeReason, SubscriptionStatus
from preferences.keys import CONTACT_POINT, CUSTOMER, SUBSCRIPTION, TOPIC, SettingKey
from preferences.ledger import ChangeContext, StaleVersion
from preferences.models import ConsentEvent, Customer
from preferences.state import LIFECYCLE_KEYS, PreferenceError

UNDO_KEY = "undo"  # where refusals are reported: not a setting


class UndoRefused(PreferenceError):
    """This change cannot be undone (by this person, or any more): the message says why."""

    def __init__(self, message: str):
        super().__init__({UNDO_KEY: message})


class UndoStale(UndoRefused):
    """A newer change was made since: undoing this one would overwrite it."""

    def __init__(self):
        super().__init__(_("You have made another change since then: only your latest change can be undone."))


@dataclass(frozen=True)
class Inverse:
    """What puts back the values a change replaced: preference changes for preferences_change, or the
    one contact point to remove (it was added) or to put back (it was removed)."""

    changes: dict[str, Any]
    point_to_remove: int | None = None
    point_to_restore: dict | None = None


def change_inverse(events: Sequence[ConsentEvent]) -> Inverse:
    """The inverse of one change (the events sharing one version), from each event's old value. Pure.

    A subscription that was waiting for confirmation goes back to `out`: its consent was never given,
    and only a confirmation link may set it pending. A verification, or an erasure, has no inverse."""
    if not events:
        raise UndoRefused(_("This change cannot be undone."))
    keys = [SettingKey.parse(event.key) for event in events]
    if any(event.key in LIFECYCLE_KEYS or key is None for event, key in zip(events, keys, strict=True)):
        raise UndoRefused(_("This change cannot be undone."))
    if any(key.kind == CONTACT_POINT for key in keys):
        return _contact_point_inverse(events)
    changes: dict[str, Any] = {}
    for event, key in zip(events, keys, strict=True):
        if key.kind not in (CUSTOMER, TOPIC, SUBSCRIPTION):
            raise UndoRefused(_("This change cannot be undone."))
        old = event.old_value
        if key.kind == SUBSCRIPTION and old == SubscriptionStatus.PENDING:
            old = SubscriptionStatus.OUT
        changes[event.key] = old
    return Inverse(changes=changes)


def _contact_point_inverse(events: Sequence[ConsentEvent]) -> Inverse:
    if len(events) != 1:  # the contact point services change one point at a time
        raise UndoRefused(_("This change cannot be undone."))
    event = events[0]
    if event.old_value is None and event.new_value is not None:
        return Inverse(changes={}, point_to_remove=int(SettingKey.parse(event.key).name))
    if event.old_value is not None and event.new_value is None and event.old_value.get("value"):
        return Inverse(changes={}, point_to_restore=dict(event.old_value))
    # A verification: undoing it would only make the customer prove the same address again.
    raise UndoRefused(_("A verification cannot be undone."))


def change_undo(*, customer: Customer, event_id: int, context: ChangeContext) -> list[ConsentEvent]:
    """Undo the change that wrote event `event_id`: only the customer's own latest change, made by them
    (not by support, another system or a link), and only by them. Returns the undo's events.

    Raises UndoRefused (not theirs, not undoable) or UndoStale (a newer change exists, also when it
    lands while this one is applied: the version is checked again under the customer's lock)."""
    event = ConsentEvent.objects.filter(pk=event_id, customer_id=customer.pk).first()
    if event is None or event.version is None:
        raise UndoRefused(_("This change cannot be undone."))
    events = list(ConsentEvent.objects.filter(customer_id=customer.pk, version=event.version).order_by("id"))
    if not _made_by(events, context):
        raise UndoRefused(_("Only changes you made yourself on this site can be undone here."))
    if event.version != customer.version:
        raise UndoStale()
    inverse = change_inverse(events)
    undo_context = replace(context, reason_code=ChangeReason.UNDO, reason=str(events[0].pk))
    try:
        if inverse.point_to_remove is not None:
            contact_point_remove(
                customer_id=customer.pk,
                contact_point_id=inverse.point_to_remove,
                context=undo_context,
                expected_version=event.version,
            )
        elif inverse.point_to_restore is not None:
            contact_point_restore(
                customer_id=customer.pk, state=inverse.point_to_restore, context=undo_context, expected_version=event.version
            )
        else:
            return preferences_change(
                customer_id=customer.pk, changes=inverse.changes, context=undo_context, expected_version=event.version
            ).events
    except StaleVersion:
        raise UndoStale() from None
    # The undo produced the next version (one change, one version): its events are those.
    return list(ConsentEvent.objects.filter(customer_id=customer.pk, version=event.version + 1).order_by("id"))


def _made_by(events: Sequence[ConsentEvent], context: ChangeContext) -> bool:
    """Whether the person undoing made every event of the change, as a customer."""
    return context.actor_type == ActorType.CUSTOMER and all(
        event.actor_type == ActorType.CUSTOMER and event.actor_id == context.actor_id for event in events
    )


def latest_change_event_id(*, customer_id: int) -> int | None:
    """The first event of the customer's latest change (what an undo offer names), or None."""
    latest = ConsentEvent.objects.filter(customer_id=customer_id).order_by("-id").values_list("version", flat=True).first()
    if latest is None:
        return None
    return (
        ConsentEvent.objects.filter(customer_id=customer_id, version=latest)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
