"""Idempotency-Key on every POST (draft-ietf-httpapi-idempotency-key-header), per client.

The first request with a key runs, and its answer is kept for IDEMPOTENCY_KEY_TTL_SECONDS; a retry with
the same key and the same method, path, query and body gets that answer again (with
`Idempotent-Replayed: true`) and changes nothing. The same key with another request is a 422; the same
key while the first request still runs is a 409 with Retry-After. Answers that say "try again" (409,
429, 5xx) are not kept: the key is released, so that the retry runs. A request still marked running
after IDEMPOTENCY_KEY_LEASE_SECONDS lost its worker (nothing of it committed, or it would have
finished): the key may run again.

The key row is written in its own short transaction before the view runs, so that a concurrent
request with the same key sees it at once (PostgreSQL's unique index decides which one runs).
"""

import hashlib
import operator
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status

from api.models import ApiClient, IdempotentRequest

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
# Headers of a kept answer that a replay repeats; the others (rate limits, caching) are the retry's own.
KEPT_HEADERS = ("ETag", "Location", "Content-Location", "Content-Language")
# Answers that ask the client to try again: never kept, so that the retry runs.
NOT_KEPT = {409, 423, 425, 429}


class IdempotencyKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"


class IdempotencyKeyInUse(exceptions.APIException):
    """409: the first request with this key is still running."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_use"

    def __init__(self, *, retry_after: int):
        super().__init__(_("A request with this Idempotency-Key is still running: retry in a moment."))
        self.wait = retry_after


class IdempotencyKeyReused(exceptions.APIException):
    """422: the key was used for another request (another body, path or method)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"

    def __init__(self):
        super().__init__(_("This Idempotency-Key was used for another request: send a new key for a new request."))


@dataclass(frozen=True)
class Replay:
    """A kept answer to send again."""

    row: IdempotentRequest


@dataclass(frozen=True)
class Owned:
    """This request runs under the key: its answer is kept (or the key released) when it ends."""

    row: IdempotentRequest


def idempotency_key_parse(raw: str) -> str:
    """The key from the header: a Structured Field string (`"…"`) or, as many clients send it, bare.
    1 to 255 visible ASCII characters."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # `""` is the empty string, refused below
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or any(not 0x20 < ord(char) < 0x7F for char in key):
        raise IdempotencyKeyInvalid(
            _("Idempotency-Key must hold 1 to %(max)d visible ASCII characters, e.g. a UUID.") % {"max": MAX_KEY_LENGTH}
        )
    return key


def request_fingerprint(*, method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def idempotent_request_begin(*, client: ApiClient, key: str, fingerprint: str) -> Replay | Owned:
    """Take the key for this request, or say what a retry gets. Raises IdempotencyKeyInUse or
    IdempotencyKeyReused."""
    now = timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    client=client, key=key, fingerprint=fingerprint, started_at=now, created_at=now
                )
            return Owned(row)
        except IntegrityError:
            row = IdempotentRequest.objects.filter(client=client, key=key).first()
        if row is None:  # released or purged in between: take it
            continue
        if row.created_at <= now - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS):
            IdempotentRequest.objects.filter(pk=row.pk, created_at=row.created_at).delete()
            continue
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if row.status_code is not None:
            return Replay(row)
        lease_end = row.started_at + timedelta(seconds=settings.IDEMPOTENCY_KEY_LEASE_SECONDS)
        if lease_end > now:
            raise IdempotencyKeyInUse(retry_after=max(1, min(5, int((lease_end - now).total_seconds()))))
        # The first request's worker died: whoever moves the lease forward runs it again.
        if IdempotentRequest.objects.filter(pk=row.pk, started_at=row.started_at, status_code=None).update(
            started_at=now
        ):
            row.started_at = now
            return Owned(row)
    raise IdempotencyKeyInUse(retry_after=1)


def idempotent_request_finish(owned: Owned, response) -> None:
    """Keep the answer (already rendered) for retries, or release the key when it says "try again"."""
    row = owned.row
    if response.status_code >= 500 or response.status_code in NOT_KEPT:
        IdempotentRequest.objects.filter(pk=row.pk, started_at=row.started_at).delete()
        return
    IdempotentRequest.objects.filter(pk=row.pk, started_at=row.started_at).update(
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        headers={name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        body=response.content.decode(),
    )


def idempotent_requests_purge() -> int:
    """Delete the keys and answers past their time (beat, hourly). Returns how many went."""
    limit = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lte=limit).delete()
    return deleted


def idempotent_answers_of_customer_delete(*, values: set[str]) -> int:
    """Erasure: kept answers that name any of these values (the customer's external id, addresses)
    are deleted with the rest of their personal data."""
    named = [Q(body__contains=value) for value in values if value]
    if not named:
        return 0
    deleted, _by_model = IdempotentRequest.objects.filter(reduce(operator.or_, named)).delete()
    return deleted
