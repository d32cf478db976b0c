"""Errors as `application/problem+json` (RFC 9457), for every answer under /api/ that is not a success."""

import logging
from http import HTTPStatus

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, trans_real
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Errors that mean "the database is not reachable right now", not "this request is wrong".
DatabaseUnavailable = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 5
PROBLEM_TYPE_BASE = "urn:portal:problem:"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"

    def __init__(self, detail=None):
        super().__init__(detail or _("Send the ETag you read in an If-Match header, so that no change is lost."))


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale_version"

    def __init__(self, *, current_version: int):
        super().__init__(_("The document changed since you read it: read it again, then retry."))
        self.current_version = current_version


class PayloadTooLarge(exceptions.APIException):
    """413: the body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (Django's RequestDataTooBig, answered)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self, *, limit: int | None = None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
        super().__init__(_("The body is larger than %(limit)d bytes: send less at once.") % {"limit": limit})
        self.limit = limit


class BadRequest(exceptions.APIException):
    """400 for a request Django itself finds suspicious (too many fields, a malformed header…)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"


UNKNOWN_FIELD = "unknown_field"


class UnknownFields(exceptions.ValidationError):
    """400 for fields or parameters the API does not know: refused by name, never ignored.

    Each error carries the code `unknown_field`, which survives nesting (batch items) and DRF's
    re-wrapping, so that the handler can name every unknown field wherever it was."""

    def __init__(self, names):
        message = _("Unknown field: it is not part of this operation.")
        super().__init__({name: [exceptions.ErrorDetail(message, code=UNKNOWN_FIELD)] for name in names})


def _unknown_field_paths(detail, prefix: str = "") -> list[str]:
    """`customers.1.emial` for each error coded unknown_field in a (nested) validation error."""
    if isinstance(detail, dict):
        paths = []
        for key, value in detail.items():
            if isinstance(value, list) and any(getattr(item, "code", None) == UNKNOWN_FIELD for item in value):
                paths.append(f"{prefix}.{key}" if prefix else str(key))
            else:
                paths += _unknown_field_paths(value, f"{prefix}.{key}" if prefix else str(key))
        return paths
    if isinstance(detail, list):
        return [path for index, item in enumerate(detail) for path in _unknown_field_paths(item, f"{prefix}[{index}]")]
    return []


def api_language_activate(request) -> None:
    """Problem details are in English unless Accept-Language asks for another language we speak.

    The site's default (LANGUAGE_CODE) is French and LocaleMiddleware also reads the language cookie:
    neither applies to another system calling the API.
    """
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for language, _quality in trans_real.parse_accept_lang_header(header):
        if language == "*":
            break
        try:
            translation.activate(translation.get_supported_language_variant(language))
            return
        except LookupError:
            continue
    translation.activate("en")


# Each problem's title by its code (its `type` ends with the code), read in the active language.
PROBLEM_TITLES = {
    "validation_error": gettext_lazy("The request is not valid."),
    "parse_error": gettext_lazy("The request body is not valid JSON."),
    "not_authenticated": gettext_lazy("An API key is needed."),
    "authentication_failed": gettext_lazy("The API key was refused."),
    "permission_denied": gettext_lazy("This API key may not do this."),
    "not_found": gettext_lazy("Not found."),
    "method_not_allowed": gettext_lazy("Method not allowed."),
    "not_acceptable": gettext_lazy("Cannot answer in the requested format."),
    "unsupported_media_type": gettext_lazy("Unsupported media type."),
    "payload_too_large": gettext_lazy("The request body is too large."),
    "open_request_limit": gettext_lazy("Too many requests in progress for this customer."),
    "channel_unreachable": gettext_lazy("The customer cannot be reached on this channel."),
    "audience_limit": gettext_lazy("Too many audiences in progress for this client."),
    "link_refused": gettext_lazy("This download link is refused."),
    "files_deleted": gettext_lazy("These files have been deleted."),
    "bad_request": gettext_lazy("The request is not valid."),
    UNKNOWN_FIELD: gettext_lazy("Unknown fields are refused."),
    "throttled": gettext_lazy("Too many requests."),
    "stale_version": gettext_lazy("The document changed since you read it."),
    "precondition_required": gettext_lazy("If-Match is required."),
    "idempotency_key_invalid": gettext_lazy("The Idempotency-Key header is not valid."),
    "idempotency_key_in_use": gettext_lazy("A request with this Idempotency-Key is still running."),
    "idempotency_key_reused": gettext_lazy("This Idempotency-Key was used for another request."),
    "server_error": gettext_lazy("Server error."),
    "service_unavailable": gettext_lazy("The service is unavailable for a moment: nothing was changed, try again."),
}


def problem_title(code: str, status_code: int) -> str:
    """The title of a problem with this code, in the active language (the status's phrase for another code)."""
    title = PROBLEM_TITLES.get(code)
    return str(title) if title is not None else HTTPStatus(status_code).phrase


def problem(*, status_code: int, code: str, detail: str = "", instance: str = "", **extra) -> dict:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": problem_title(code, status_code),
        "status": status_code,
        "detail": detail or HTTPStatus(status_code).description,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError) and _unknown_field_paths(exc.detail):
        return UNKNOWN_FIELD
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else getattr(exc, "default_code", "error")


def problem_exception_handler(exc, context):
    """DRF's handler (it sets WWW-Authenticate and Retry-After), with the body as a problem."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # too many fields, a malformed header…: the request's fault
        exc = BadRequest(_("The request is not valid."))
    response = exception_handler(exc, context)
    request = context.get("request")
    instance = request.path if request is not None else ""
    if response is None and isinstance(exc, DatabaseUnavailable):
        # The database went away (restart, failover, a dropped connection, a deadlock): the change's
        # transaction rolled back, nothing was applied, and the same request may simply be sent again.
        # 503 with Retry-After says so; a 500 would say the request itself is at fault.
        # (Found by tests/security/test_faults.py.)
        logger.error("Database unavailable during an API request", exc_info=exc)
        response = Response(
            problem(status_code=503, code="service_unavailable", instance=instance),
            status=503,
            content_type=PROBLEM_CONTENT_TYPE,
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if response is None:
        # An unexpected error: logged with its traceback (and re-raised by the test client), then a 500.
        logger.exception("Unhandled error in the API", exc_info=exc)
        signals.got_request_exception.send(sender=None, request=getattr(request, "_request", request))
        return Response(
            problem(
                status_code=500,
                code="server_error",
                detail=_("An unexpected error on our side: it is recorded for our team."),
                instance=instance,
            ),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    extra = {}
    unknown = _unknown_field_paths(exc.detail) if isinstance(exc, exceptions.ValidationError) else []
    if unknown:
        detail = _("Unknown fields are refused, never ignored: %(names)s.") % {"names": ", ".join(unknown)}
        extra["errors"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        extra["unknown_fields"] = unknown
    elif isinstance(exc, exceptions.ValidationError):
        detail = _("Some fields are not valid: see errors.")
        extra["errors"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    else:
        detail = str(exc.detail)
    if getattr(exc, "missing_scope", None):  # api.permissions.MissingScope
        extra["missing_scope"] = exc.missing_scope
    extra.update(getattr(exc, "problem_extra", None) or {})
    if isinstance(exc, PayloadTooLarge):
        extra["max_body_bytes"] = exc.limit
    if isinstance(exc, PreconditionFailed):
        extra["current_version"] = exc.current_version
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait + 0.999)
    response.data = problem(
        status_code=response.status_code, code=_code_of(exc), detail=detail, instance=instance, **extra
    )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


@csrf_exempt  # an API path never answers with the CSRF failure page, whatever the method
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any /api/ path that names nothing: a problem, not the HTML 404 page; kept by no cache, as every
    API answer (it echoes the path, which may hold an external id)."""
    api_language_activate(request)
    body = problem(status_code=404, code="not_found", detail=_("No API resource at this address."), instance=request.path)
    response = JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)
    return response
