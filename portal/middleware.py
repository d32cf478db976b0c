"""Site-wide middleware."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A lost database answers 503 with a page that says to try again, not a 500.

    The transaction of the request was rolled back, so nothing was half-applied: the person can
    simply retry. The API has its own problem+json answer (api/problems.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable while serving %s: %s", request.method, type(exception).__name__)
        # No request context: it would read the user and session from the database that is gone.
        html = render_to_string("503.html", {"path": request.get_full_path()})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
