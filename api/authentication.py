"""API keys in a header (`Authorization: Bearer <key>` or `X-Api-Key: <key>`), never in a URL."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.keys import key_matches, key_prefix
from api.models import ApiKey
from api.selectors import api_key_get
from api.services import api_key_touch


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>`. The key and its client come from the cache (one query when they
    are not there: see api.selectors.api_key_get), plus at most one UPDATE a minute to record the key's
    last use."""

    def authenticate(self, request):
        key = self._key_from_headers(request)
        if key is None:
            return None
        api_key = api_key_authenticate(key)
        return api_key.client, api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'

    def _key_from_headers(self, request) -> str | None:
        return bearer_key(request.META.get("HTTP_AUTHORIZATION", ""))


def bearer_key(header: str) -> str | None:
    """The key in an Authorization header's value: None when there is none; another scheme is refused."""
    if not header:
        return None
    scheme, _space, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise exceptions.AuthenticationFailed(_("Send the key as “Authorization: Bearer <key>”."))
    return value.strip()


def api_key_authenticate(key: str) -> ApiKey:
    """The stored key `key` is, when it and its client are valid now, with its use recorded (this module's
    authentication and api.fast_path's); AuthenticationFailed saying why otherwise."""
    prefix = key_prefix(key)
    api_key = api_key_get(prefix=prefix) if prefix is not None else None
    # The hash is compared even when the prefix is unknown, so that timing tells nothing.
    stored_hash = api_key.key_hash if api_key is not None else "0" * 64
    if not key_matches(key, stored_hash) or api_key is None:
        raise exceptions.AuthenticationFailed(_("This API key is not valid."))
    now = timezone.now()
    if not api_key.is_active_at(now):
        raise exceptions.AuthenticationFailed(_("This API key has expired or was revoked."))
    if not api_key.client.is_active_at(now):
        raise exceptions.AuthenticationFailed(_("This API client has expired or was revoked."))
    api_key_touch(api_key=api_key, now=now)
    return api_key


class HeaderApiKeyAuthentication(ApiKeyAuthentication):
    """`X-Api-Key: <key>`, for senders that cannot set an Authorization header."""

    def _key_from_headers(self, request) -> str | None:
        return request.META.get("HTTP_X_API_KEY", "").strip() or None
