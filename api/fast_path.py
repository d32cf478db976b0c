"""The API's hottest request, `GET /api/v1/customers/<id>`, answered in front of Django when it is the
ordinary case: a valid Bearer key with `customers:read`, within its rate limit, a customer it may read,
no query string, no conditional or language header, JSON or anything accepted. Every other request, and
every case this module does not recognise, goes to Django untouched, which answers it as always.

Why: Django's request cycle (its handler and sixteen middleware) and DRF's frame were more than half of a
read's cost (docs/performance.md, "A twelfth session"). What a read must do is not skipped: the key, the
client's and key's validity, the key's last use, the scope, the rate limit, the access function, the
representation, the ETag are the functions the view calls; host validation and the HTTPS redirect are
Django's own checks, and a request that fails any of them goes to Django for its answer.

The headers that do not depend on the request (content type, cache control, the security headers the
middleware add, CSP, HSTS on HTTPS, `Vary`, `Allow`, `Content-Language`) are learned from Django: the first
ordinary read of each process (one for HTTP, one for HTTPS) is answered by Django, and its headers,
without the per-answer ones, are those of the next. tests/api/test_fast_path.py compares the two paths."""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from django.utils.http import http_date

from api.access import document_get_for_api_client
from api.conditional import representation_etag, representation_render
from api.keys import key_matches, key_prefix
from api.models import Scope
from api.representations import document_representation
from api.selectors import api_key_get
from api.services import api_key_touch
from api.throttling import FAST_PATH_NUMBER, ApiClientRateThrottle, RateLimitState, window_number_take

_PATH = re.compile(r"/api/v1/customers/([1-9][0-9]{0,18})")
_ACCEPTED = {"", "*/*", "application/json"}
# What makes a request other than the ordinary read: Django answers it.
_DELEGATED_HEADERS = (
    "HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE",
    "HTTP_X_API_KEY", "HTTP_X_FORWARDED_HOST",
)
# The headers each answer sets for itself; every other header of a learned answer is the same for all.
_PER_ANSWER = {"etag", "location", "content-location", "expires", "content-length", "ratelimit", "ratelimit-policy",
               "date"}

Answer = tuple[str, list[tuple[str, str]], bytes]


class FastPathApplication:
    """WSGI application: the ordinary read answered here, anything else by `django_application`."""

    def __init__(self, django_application: Callable):
        self.django = django_application
        self.learned: dict[bool, list[tuple[str, str]]] = {}  # by HTTPS or not: the headers of every answer
        self.throttle = ApiClientRateThrottle()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        customer_id = _ordinary_read(environ)
        if customer_id is None:
            return self.django(environ, start_response)
        secure = _is_secure(environ)
        if secure not in self.learned:
            return self.django(environ, self._learning(start_response, secure))
        signals.request_started.send(sender=WSGIHandler, environ=environ)
        try:
            answer = self._answer(environ, customer_id, self.learned[secure])
        except Exception:  # noqa: BLE001 - whatever it is (the database away, a bug), Django answers and says
            answer = None
        finally:
            signals.request_finished.send(sender=WSGIHandler)
        if answer is None:
            return self.django(environ, start_response)
        status, headers, content = answer
        start_response(status, headers)
        return [content]

    def _learning(self, start_response: Callable, secure: bool) -> Callable:
        def learn(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            names = {name.lower() for name, _value in headers}
            if status.startswith("200 ") and "set-cookie" not in names:
                self.learned[secure] = [(name, value) for name, value in headers if name.lower() not in _PER_ANSWER]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return learn

    def _answer(self, environ: dict, customer_id: int, learned: list[tuple[str, str]]) -> Answer | None:
        """The read's answer, or None for Django to give it (with the rate-limit number taken, if any)."""
        api_key = _api_key(environ)
        if api_key is None:
            return None
        client = api_key.client
        now = timezone.now()
        if not (api_key.is_active_at(now) and client.is_active_at(now) and client.has_scope(Scope.CUSTOMERS_READ)):
            return None
        api_key_touch(api_key=api_key, now=now)
        limit, window = self.throttle.budget(client)
        taken = window_number_take(self.throttle, client, limit=limit, window=window)
        # Refused or not found: Django answers (429, 404) with this number, never a second one.
        environ[FAST_PATH_NUMBER] = taken
        if taken.number > limit:
            return None
        try:
            document = document_get_for_api_client(client=client, customer_id=customer_id)
        except Exception:  # noqa: BLE001 - not found, the database away: Django's answer, whatever it is
            return None
        del environ[FAST_PATH_NUMBER]
        body = document_representation(document, personal=client.has_scope(Scope.CONTACT_POINTS_READ))
        content = representation_render(body)
        location = f"/api/v1/customers/{customer_id}"
        state = RateLimitState(limit=limit, window=window, remaining=max(0, limit - taken.number), reset=taken.reset)
        headers = [
            *learned,
            ("ETag", representation_etag(content, version=document.customer.version)),
            ("Location", location),
            ("Content-Location", location),
            ("Expires", http_date()),
            ("Content-Length", str(len(content))),
            *state.headers().items(),
        ]
        return "200 OK", headers, content


def _ordinary_read(environ: dict) -> int | None:
    """The customer id of an ordinary read, or None for anything else."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
        return None
    match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match is None or environ.get("SCRIPT_NAME"):
        return None
    if any(name in environ for name in _DELEGATED_HEADERS):
        return None
    if environ.get("HTTP_ACCEPT", "") not in _ACCEPTED or not environ.get("HTTP_AUTHORIZATION"):
        return None
    if not _host_allowed(environ.get("HTTP_HOST", "")):
        return None
    if settings.SECURE_SSL_REDIRECT and not _is_secure(environ):
        return None  # Django redirects to HTTPS
    return int(match.group(1))


def _host_allowed(host: str) -> bool:
    """Django's host validation (HttpRequest.get_host), for a request with a Host header and no
    X-Forwarded-Host: anything it would refuse goes to Django, which answers 400."""
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def _is_secure(environ: dict) -> bool:
    """HttpRequest.is_secure: the trusted proxy's header when one is set, else the server's scheme."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


def _api_key(environ: dict):
    """The key of `Authorization: Bearer <key>` when it is valid, else None (Django says why)."""
    scheme, _space, value = environ["HTTP_AUTHORIZATION"].partition(" ")
    key = value.strip()
    if scheme.lower() != "bearer" or not key:
        return None
    prefix = key_prefix(key)
    api_key = api_key_get(prefix=prefix) if prefix is not None else None
    if api_key is None or not key_matches(key, api_key.key_hash):
        return None
    return api_key
