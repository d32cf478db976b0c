"""Writes of the API app: clients and keys, reported sends."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.keys import key_generate, key_hash
from api.models import ApiClient, ApiKey, Scope, Send

MAX_ACTIVE_KEYS = 2  # the current key and the next one, during a rotation
LAST_USE_RESOLUTION = timedelta(minutes=1)  # last use is written at most once a minute per key
DEMO_CLIENT_NAME = "Demo (development)"


def _scopes_clean(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise ValidationError({"scopes": _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}})
    return sorted(set(scopes))


def api_client_create(
    *,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    rate_limit_per_minute: int | None = None,
    created_by=None,
    is_demo: bool = False,
) -> tuple[ApiClient, str]:
    """Create a client and its first key; the key is returned once and never stored in clear."""
    with transaction.atomic():
        client = ApiClient.objects.create(
            name=name,
            scopes=_scopes_clean(scopes),
            expires_at=expires_at,
            rate_limit_per_minute=rate_limit_per_minute,
            created_by=created_by,
            is_demo=is_demo,
        )
        _api_key, key = api_key_create(client=client)
    return client, key


def api_key_create(*, client: ApiClient, expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key for a client. At most two keys are active at once: revoke one before a third."""
    with transaction.atomic():
        ApiClient.objects.select_for_update().filter(pk=client.pk).first()
        now = timezone.now()
        active = [key for key in ApiKey.objects.filter(client=client, revoked_at__isnull=True) if key.is_active_at(now)]
        if len(active) >= MAX_ACTIVE_KEYS:
            raise ValidationError(_("This client already has two active keys: revoke one before creating another."))
        for _attempt in range(5):
            key, prefix = key_generate()
            try:
                with transaction.atomic():
                    api_key = ApiKey.objects.create(
                        client=client, prefix=prefix, key_hash=key_hash(key), expires_at=expires_at
                    )
            except IntegrityError:  # the 32-bit prefix collided with another key's: draw again
                continue
            return api_key, key
    raise RuntimeError("Could not draw a unique API key prefix.")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Stop a key from working, at once (idempotent)."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_client_revoke(*, client: ApiClient) -> ApiClient:
    """Stop every key of a client from working, at once (idempotent)."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


def api_key_touch(*, api_key: ApiKey, now: datetime) -> None:
    """Record the last use of a key, at most once a minute (one UPDATE); a client's is its keys' latest.

    The key may come from the cache, its last use older than the database's: a cache entry per key and
    minute decides which request of which process writes it."""
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USE_RESOLUTION:
        return
    recorded_by_another = not cache.add(f"api:key-used:{api_key.pk}", True, LAST_USE_RESOLUTION.total_seconds())
    if not recorded_by_another:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now  # recorded within the minute either way: not asked again for a minute


def api_client_create_demo() -> str:
    """A fresh key for the development client with every scope; the demo's older keys stop working.

    Run by `demo_data` when DEBUG is on, so that the README's curl session can print a working key.
    """
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().filter(name=DEMO_CLIENT_NAME, is_demo=True).first()
        if client is None:
            _client, key = api_client_create(name=DEMO_CLIENT_NAME, scopes=list(Scope.values), is_demo=True)
            return key
        ApiKey.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=timezone.now())
        client.scopes, client.revoked_at, client.expires_at = list(Scope.values), None, None
        client.save(update_fields=["scopes", "revoked_at", "expires_at"])
        _api_key, key = api_key_create(client=client)
    return key


# --- Sends ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendReport:
    customer_id: int
    topic_id: int
    channel: str
    sent_at: datetime
    ai_generated: bool = False
    message_id: str = ""


@dataclass(frozen=True)
class SendRecorded:
    """What became of one report: the send that counts it, and whether it was already recorded."""

    send_id: int
    duplicate: bool  # its message id was recorded before (by an earlier call, or earlier in this batch)


@dataclass(frozen=True)
class SendsRecorded:
    created: list[Send]  # the sends this call recorded, in the order reported
    reports: list[SendRecorded]  # one per report, in the order reported

    @property
    def duplicates(self) -> int:
        return sum(report.duplicate for report in self.reports)


RECORD_ATTEMPTS = 3


def sends_record(*, client: ApiClient, reports: list[SendReport]) -> SendsRecorded:
    """Record reported sends; a message id this client already reported is counted once, by the send
    first recorded with it, whose id a duplicate report is answered with."""
    attempt = 1
    with transaction.atomic():
        while True:
            try:
                with transaction.atomic():
                    return _sends_insert(client, reports)
            except IntegrityError:
                # Another request recorded one of these message ids at the same moment (PostgreSQL made this
                # insert wait for its commit): read the recorded ids again, and count those as duplicates.
                if attempt == RECORD_ATTEMPTS:
                    raise
                attempt += 1


def _sends_insert(client: ApiClient, reports: list[SendReport]) -> SendsRecorded:
    message_ids = {report.message_id for report in reports if report.message_id}
    recorded: dict[str, int] = (
        dict(Send.objects.filter(client=client, message_id__in=message_ids).values_list("message_id", "pk"))
        if message_ids
        else {}
    )
    rows: list[Send] = []
    firsts: dict[str, Send] = {}  # message id → the row of this batch that records it
    sources: list[tuple[Send | int, bool]] = []  # per report: its send (a new row, or a recorded id), duplicate or not
    for report in reports:
        if report.message_id in recorded:
            sources.append((recorded[report.message_id], True))
        elif report.message_id in firsts:
            sources.append((firsts[report.message_id], True))
        else:
            row = Send(
                client=client,
                customer_id=report.customer_id,
                topic_id=report.topic_id,
                channel=report.channel,
                sent_at=report.sent_at,
                ai_generated=report.ai_generated,
                message_id=report.message_id,
            )
            rows.append(row)
            sources.append((row, False))
            if report.message_id:
                firsts[report.message_id] = row
    created = Send.objects.bulk_create(rows)  # sets each row's pk (PostgreSQL, SQLite: RETURNING)
    outcomes = [
        SendRecorded(send_id=send if isinstance(send, int) else send.pk, duplicate=duplicate) for send, duplicate in sources
    ]
    return SendsRecorded(created=created, reports=outcomes)
