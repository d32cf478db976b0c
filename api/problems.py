"""Errors as `application/problem+json` (RFC 9457), for every answer under /api/ that is not a success."""

import logging
from http import HTTPStatus

from django.core import signals
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
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


def _titles() -> dict[str, str]:
    return {
        "validation_error": _("The request is not valid."),
        "parse_error": _("The request body is not valid JSON."),
        "not_authenticated": _("An API key is needed."),
        "authentication_failed": _("The API key was refused."),
        "permission_denied": _("This API key may not do this."),
        "not_found": _("Not found."),
        "method_not_allowed": _("Method not allowed."),
        "not_acceptable": _("Cannot answer in the requested format."),
        "unsupported_media_type": _("Unsupported media type."),
        "throttled": _("Too many requests."),
        "stale_version": _("The document changed since you read it."),
        "precondition_required": _("If-Match is required."),
        "server_error": _("Server error."),
        "service_unavailable": _("The service is unavailable for a moment: nothing was changed, try again."),
    }


def problem(*, status_code: int, code: str, detail: str = "", instance: str = "", **extra) -> dict:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": _titles().get(code) or HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail or HTTPStatus(status_code).description,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else getattr(exc, "default_code", "error")


def problem_exception_handler(exc, context):
    """DRF's handler (it sets WWW-Authenticate and Retry-After), with the body as a problem."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
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
            problem(status_code=500, code="server_error", instance=instance),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = _("Some fields are not valid: see errors.")
        extra["errors"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    else:
        detail = str(exc.detail)
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
    """Any /api/ path that names nothing: a problem, not the HTML 404 page."""
    body = problem(status_code=404, code="not_found", detail=_("No API resource at this address."), instance=request.path)
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
