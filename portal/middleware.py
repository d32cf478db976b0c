"""Site-wide middleware, and the one answer for "the database cannot be reached right now"."""

import logging

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from api.problems import DATABASE_RETRY_AFTER_SECONDS, PROBLEM_CONTENT_TYPE, DatabaseUnavailable, problem

logger = logging.getLogger(__name__)


def database_unavailable_response(request, exception: BaseException) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a stand-alone HTML page elsewhere.

    The transaction of the request was rolled back, so nothing was half-applied: the caller can simply
    retry. No request context: it would read the user and session from the database that is gone.
    """
    logger.error("Database unavailable while serving %s: %s", request.method, type(exception).__name__)
    if request.path.startswith("/api/"):
        body = problem(status_code=503, code="service_unavailable", instance=request.path)
        response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        html = render_to_string("503.html", {"path": request.get_full_path()})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A lost database answers 503 with a page that says to try again, not a 500.

    This catches what views raise; what an earlier middleware raises (e.g. the staff MFA check reading
    `request.user` from the session) reaches Django's 500 handler, which portal.views.server_error
    turns into the same 503. The API has its own problem+json answer (api/problems.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseUnavailable):
            return None
        return database_unavailable_response(request, exception)


class PostOnlyAddressMiddleware:
    """A GET of an address that only takes a form (a reload of a page shown after a form error, a
    bookmark, the back button) goes to the page the form is on instead of a blank 405: the nearest
    address above it that is a page. The API and the admin keep their 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or request.method not in ("GET", "HEAD"):
            return response
        if request.path.startswith(("/api/", "/admin/")):
            return response
        return HttpResponseRedirect(_page_above(request.path))


def _page_above(path: str) -> str:
    """`/my/channels/3/remove/` → `/my/channels/` (`/my/channels/3/` is no address); `/` at the top."""
    parts = [part for part in path.split("/") if part]
    for end in range(len(parts) - 1, 0, -1):
        candidate = "/" + "/".join(parts[:end]) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return "/"
