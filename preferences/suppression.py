"""The suppression list: keyed hashes of the addresses of people who had their data erased, and the
rule that a customer created or updated with one of them objects to marketing from the start."""

import hashlib
import hmac

from django.conf import settings

from preferences.changes import changes_apply, marketing_opt_outs
from preferences.contact_points import contact_point_value_clean
from preferences.documents_pg import preference_document_build
from preferences.domain import ActorType, ContactPointKind, SystemReason
from preferences.ledger import ChangeContext, events_append
from preferences.models import Customer, SuppressionEntry
from preferences.state import PreferenceError


def identity_hash(*, kind: str, value: str) -> str:
    """HMAC-SHA256 of a normalised email address (lower case) or phone number (E.164)."""
    key = (settings.SUPPRESSION_HASH_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _identity_normalise(kind: str, value: str) -> str | None:
    try:
        return contact_point_value_clean(kind=kind, value=value)[0]
    except PreferenceError:
        return None


def identities_suppressed(*, emails: list[str] = (), phones: list[str] = ()) -> bool:
    """Whether any of these addresses belongs to a person who had their data erased (one query)."""
    hashes = []
    for kind, values in ((ContactPointKind.EMAIL, emails), (ContactPointKind.PHONE, phones)):
        for value in values:
            normalised = _identity_normalise(kind, value) if value else None
            if normalised:
                hashes.append(identity_hash(kind=kind, value=normalised))
    return bool(hashes) and SuppressionEntry.objects.filter(identity_hash__in=hashes).exists()


def identities_suppressed_among(*, identities: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (kind, already normalised value) pairs belong to a person who had their data
    erased (one query, for a whole import batch)."""
    by_hash = {identity_hash(kind=kind, value=value): (kind, value) for kind, value in identities}
    if not by_hash:
        return set()
    found = SuppressionEntry.objects.filter(identity_hash__any=list(by_hash)).values_list("identity_hash", flat=True)
    return {by_hash[found_hash] for found_hash in found}


def suppression_apply(
    *, customer: Customer, context: ChangeContext, emails: list[str] = (), phones: list[str] = ()
) -> tuple[list[str], list[str]]:
    """A person who had their data erased is on the suppression list: a customer
    created or updated with one of their addresses objects to marketing from the start, recorded in
    the ledger. An opt-in by anyone but the person then needs their confirmation (double opt-in).

    Part of the caller's change: returns the keys changed and the customer fields to save, which the
    caller saves with its own (single) version bump."""
    emails, phones = [e for e in emails if e], [p for p in phones if p]
    if customer.marketing_objection or not identities_suppressed(emails=emails, phones=phones):
        return [], []
    document = preference_document_build(customer)
    changes = {"customer.marketing_objection": True, **marketing_opt_outs(document.catalog)}
    applied, fields = changes_apply(document, changes)
    suppression = ChangeContext(
        actor_type=ActorType.SYSTEM,
        source=context.source,
        actor_id=context.actor_id,
        reason_code=SystemReason.SUPPRESSION_LIST,  # a code: rendered in the reader's language, never frozen
    )
    events_append(customer=customer, changes=applied, context=suppression)
    return [key for key, _old, _new in applied], fields


def identities_suppress(identities: set[tuple[str, str]]) -> None:
    """Put these (kind, normalised value) pairs on the suppression list, as keyed hashes (erasure)."""
    entries = [
        SuppressionEntry(kind=kind, identity_hash=identity_hash(kind=kind, value=value)) for kind, value in identities
    ]
    SuppressionEntry.objects.bulk_create(entries, ignore_conflicts=True)
