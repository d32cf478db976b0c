"""The API's three hottest requests answered in front of Django when they are the ordinary case:
- `GET /api/v1/customers/<id>` with a Bearer key holding `customers:read`, for a customer it may read;
- `POST /api/v1/contact-plans` with a Bearer key holding `decisions:read` and a JSON body the view accepts
  (no Idempotency-Key);
- `PATCH /api/v1/customers/<id>` with a Bearer key holding `customers:write`, an If-Match naming the
  customer's version and a JSON body of changes the service accepts;
within the client's rate limit, with no query string, cookie, other conditional or language header, and JSON
or anything accepted. Every other request, and every case this module does not recognise (a refusal, a
customer not found, a body refused, a stale version), goes to Django untouched, which answers it as always.
A change refused is refused before anything is written (the service's transaction), so Django's answer is
the only one that counts; a change made is answered here, whatever happens next (see `_changed_answer`).

Why: Django's request cycle (its handler and sixteen middleware) and DRF's frame were more than half of a
read's cost (docs/performance.md, "A twelfth session"). What a read must do is not skipped: the key, the
client's and key's validity, the key's last use, the scope, the rate limit, the access function, the
representation, the ETag, the body's parser and serializer, the plan, the change are the functions the views
call (api.views.document_content, api.plans.contact_plans_answer, api.views.customer_preferences_change); host
validation and the HTTPS redirect are Django's own checks, and a request that fails any of them goes to Django for its answer.

The headers that do not depend on the request (content type, cache control, the security headers the
middleware add, CSP, HSTS on HTTPS, `Vary`, `Allow`, `Content-Language`) are learned from Django: the first
ordinary request of each kind in each process (over HTTP, over HTTPS) is answered by Django, and its
headers, without the per-answer ones, are those of the next. tests/api/test_fast_path.py compares the
two paths."""

import io
import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler, get_script_name
from django.db import DatabaseError
from django.http.request import split_domain_port, validate_host
from django.urls import set_script_prefix
from django.utils import timezone, translation
from django.utils.http import http_date
from rest_framework.exceptions import APIException

from api.access import document_get_for_api_client
from api.authentication import api_key_authenticate, bearer_key
from api.conditional import representation_render
from api.models import ApiClient
from api.parsers import StrictJSONParser
from api.permissions import client_sees_personal_data
from api.plans import ContactPlanRequestSerializer, ContactPlanView, contact_plans_answer
from api.problems import PROBLEM_CONTENT_TYPE, problem
from api.serializers import PreferencesChangeSerializer
from api.throttling import FAST_PATH_NUMBER, ApiClientRateThrottle, RateLimitState, TakenNumber, window_number_take
from api.views import (
    CustomerDetailView,
    change_extra,
    customer_location,
    customer_preferences_change,
    document_content,
    if_match_version,
)
from preferences.changes import PreferencesChanged

READ, PLAN, CHANGE = "read", "plan", "change"
_READ_PATH = re.compile(r"/api/v1/customers/([1-9][0-9]{0,18})")
_PLAN_PATH = "/api/v1/contact-plans"
_ACCEPTED = {"", "*/*", "application/json"}
# What makes a request other than the ordinary one: Django answers it.
_DELEGATED_HEADERS = (
    "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE",
    "HTTP_X_API_KEY", "HTTP_X_FORWARDED_HOST", "HTTP_IDEMPOTENCY_KEY", "HTTP_TRANSFER_ENCODING",
    "HTTP_CONTENT_ENCODING",
)
# The headers each answer sets for itself; every other header of a learned answer is the same for all.
_PER_ANSWER = {"etag", "location", "content-location", "expires", "content-length", "ratelimit", "ratelimit-policy",
               "date"}

Answer = tuple[str, list[tuple[str, str]], bytes]
# What an ordinary-looking request may still meet, which Django answers as always (404, 400, 413, 503).
_DJANGO_S_TO_ANSWER = (APIException, DatabaseError)
logger = logging.getLogger(__name__)
# The scope each answer needs: the views' own.
_SCOPES = {
    READ: CustomerDetailView.required_scopes["GET"],
    PLAN: ContactPlanView.required_scopes["POST"],
    CHANGE: CustomerDetailView.required_scopes["PATCH"],
}
_CHANGE_MADE_UNANSWERED = (
    "The change was recorded, but its answer could not be written: read the customer to see its new version."
)


class FastPathApplication:
    """WSGI application: the ordinary read, plan and change answered here, anything else by `django_application`."""

    def __init__(self, django_application: Callable):
        self.django = django_application
        self.learned: dict[tuple[str, bool], list[tuple[str, str]]] = {}  # by kind and HTTPS: every answer's headers
        self.throttle = ApiClientRateThrottle()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        route = _ordinary(environ)
        if route is None:
            return self.django(environ, start_response)
        kind = route[0]
        learned = self.learned.get((kind, secure := _is_secure(environ)))
        if learned is None:
            return self.django(environ, self._learning(start_response, (kind, secure)))
        set_script_prefix(get_script_name(environ))  # as Django's handler: the addresses it reverses
        signals.request_started.send(sender=WSGIHandler, environ=environ)
        try:
            with timezone.override(UTC), translation.override("en"):  # as ApiView, for a request with no language
                answer = self._answer(environ, route, learned)
        except _DJANGO_S_TO_ANSWER:  # not found, a body refused, the database away: Django's answer
            answer = None
        except Exception:  # a fault of this module: Django still answers, and the log says what happened
            logger.exception("The API's fast path failed on %s %s: Django answers.", *route)
            answer = None
        finally:
            signals.request_finished.send(sender=WSGIHandler)
        if answer is None:
            return self.django(environ, start_response)
        status, headers, content = answer
        start_response(status, headers)
        return [content]

    def _learning(self, start_response: Callable, learned_as: tuple[str, bool]) -> Callable:
        def learn(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            names = {name.lower() for name, _value in headers}
            if status.startswith("200 ") and "set-cookie" not in names:
                self.learned[learned_as] = [(name, value) for name, value in headers if name.lower() not in _PER_ANSWER]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return learn

    def _answer(self, environ: dict, route: tuple[str, int], learned: list[tuple[str, str]]) -> Answer | None:
        """The answer, or None for Django to give it (with the rate-limit number taken, if any)."""
        kind, customer_id = route
        if kind != READ:  # read whatever happens next, and left for Django to read again if it answers
            body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
            environ["wsgi.input"] = io.BytesIO(body)
        client = _client(environ, _SCOPES[kind])
        if client is None:
            return None
        limit, window = self.throttle.budget(client)
        taken = window_number_take(self.throttle, client, limit=limit, window=window)
        # Refused, not found, a body refused: Django answers (429, 404, 400) with this number, not a second one.
        environ[FAST_PATH_NUMBER] = taken
        if taken.number > limit:
            return None
        personal = client_sees_personal_data(client)
        if kind == READ:
            document = document_get_for_api_client(client=client, customer_id=customer_id)  # NotFound: Django's
            content, etag = document_content(document, personal=personal)
            own = _document_headers(etag, customer_id)
        elif kind == PLAN:
            data = ContactPlanRequestSerializer.validated(StrictJSONParser().parse(io.BytesIO(body)))
            content, own = representation_render(contact_plans_answer(data, personal=personal)), []
        else:
            request = _Request(client, environ)
            expected_version = if_match_version(request)  # not one entity tag: Django's 400
            if expected_version is None:
                return None  # `*`: Django's 428
            data = PreferencesChangeSerializer.validated(StrictJSONParser().parse(io.BytesIO(body)))
            # Refused (404, 412, 400): raised before anything is written, and Django answers. Made: answered here.
            changed = customer_preferences_change(
                request, customer_id, changes=data["changes"], expected_version=expected_version
            )
            del environ[FAST_PATH_NUMBER]
            return _changed_answer(changed, customer_id, personal, learned, (limit, window, taken))
        del environ[FAST_PATH_NUMBER]
        return "200 OK", [*learned, *own, *_common_headers(content, limit, window, taken)], content


class _Request:
    """What api.views reads of a request to make a change: its client, and its META, which Django makes the
    WSGI environ itself (the If-Match header, the client's address and user agent)."""

    def __init__(self, client: ApiClient, environ: dict):
        self.user, self.META = client, environ


def _changed_answer(
    changed: PreferencesChanged, customer_id: int, personal: bool, learned: list, budget: tuple[int, int, TakenNumber]
) -> Answer:
    """The answer to a change made. Whatever fails from here cannot go to Django, which would make the change
    again and answer 412 (the version has moved on): it is logged and answered 500, saying the change stands."""
    try:
        content, etag = document_content(changed.document, personal=personal, extra=change_extra(changed))
        own = _document_headers(etag, customer_id)
        return "200 OK", [*learned, *own, *_common_headers(content, *budget)], content
    except Exception:
        logger.exception("The API's fast path made a change to customer %s but could not answer it.", customer_id)
        body = problem(status_code=500, code="server_error", detail=_CHANGE_MADE_UNANSWERED)
        content = representation_render(body)
        headers = [(name, value) for name, value in learned if name.lower() != "content-type"]
        headers.append(("Content-Type", PROBLEM_CONTENT_TYPE))
        return "500 Internal Server Error", [*headers, *_common_headers(content, *budget)], content


def _document_headers(etag: str, customer_id: int) -> list[tuple[str, str]]:
    """A document's own headers, as api.views.document_response sets them: its tag and its address."""
    location = customer_location(customer_id)
    return [("ETag", etag), ("Location", location), ("Content-Location", location)]


def _common_headers(content: bytes, limit: int, window: int, taken: TakenNumber) -> list[tuple[str, str]]:
    state = RateLimitState(limit=limit, window=window, remaining=max(0, limit - taken.number), reset=taken.reset)
    return [("Expires", http_date()), ("Content-Length", str(len(content))), *state.headers().items()]


def _ordinary(environ: dict) -> tuple[str, int] | None:
    """(READ or CHANGE, the customer id) or (PLAN, 0) for an ordinary request, None for anything else."""
    method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO", "")
    if method == "GET" and (match := _READ_PATH.fullmatch(path)):
        route = (READ, int(match.group(1)))
    elif method == "POST" and path == _PLAN_PATH and _plain_json_body(environ):
        route = (PLAN, 0)
    elif method == "PATCH" and (match := _READ_PATH.fullmatch(path)) and _plain_json_body(environ):
        route = (CHANGE, int(match.group(1)))
    else:
        return None
    if ("HTTP_IF_MATCH" in environ) != (route[0] == CHANGE):
        return None  # a change without If-Match is Django's 428; a read or plan with one, Django's to judge
    if environ.get("QUERY_STRING") or environ.get("SCRIPT_NAME") or settings.FORCE_SCRIPT_NAME:
        return None  # (a prefix: Django's addresses carry it)
    if any(name in environ for name in _DELEGATED_HEADERS):
        return None
    if environ.get("HTTP_ACCEPT", "") not in _ACCEPTED or not environ.get("HTTP_AUTHORIZATION"):
        return None
    if not _host_allowed(environ.get("HTTP_HOST", "")):
        return None
    if settings.SECURE_SSL_REDIRECT and not _is_secure(environ):
        return None  # Django redirects to HTTPS
    return route


def _plain_json_body(environ: dict) -> bool:
    """A JSON body of a length given and within what Django takes (beyond: Django's 413)."""
    length = environ.get("CONTENT_LENGTH", "")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return (
        environ.get("CONTENT_TYPE") == "application/json"
        and length.isascii()
        and length.isdigit()
        and (limit is None or int(length) <= limit)
    )


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


def _client(environ: dict, scope: str) -> ApiClient | None:
    """The client of `Authorization: Bearer <key>` when it holds `scope`, None when it does not; a key refused
    raises AuthenticationFailed (Django's to answer). As ApiKeyAuthentication and HasScope decide."""
    client = api_key_authenticate(bearer_key(environ["HTTP_AUTHORIZATION"])).client
    return client if client.has_scope(scope) else None
