"""Site-wide pages: home, health check, accessibility statement, the 500 handler."""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.roles import is_staff_member
from common.db import is_postgresql
from portal.celery import app as celery_app
from portal.middleware import DatabaseUnavailable, database_unavailable_response


@require_safe
def home(request):
    if request.user.is_authenticated:
        if is_staff_member(request.user):
            return redirect("support:home") if _support_installed() else render(request, "home.html")
        return redirect("preferences:overview")
    return render(request, "home.html")


def _support_installed() -> bool:
    try:
        reverse("support:home")
    except NoReverseMatch:
        return False
    return True


@require_safe
def accessibility(request):
    return render(request, "accessibility.html")


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links to (the admin's pages link to none)."""
    return redirect(static("img/favicon.svg"))  # not permanent: the file's hashed name changes with it


@never_cache
@require_safe
def healthz(request):
    """200 when the database and the broker answer, 503 otherwise (for load balancers and probes)."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": {k: "ok" if v else "down" for k, v in checks.items()}},
        status=200 if healthy else 503,
    )


def _database_ok() -> bool:
    if not is_postgresql():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception:
            return False
        return True
    # The request connection's libpq parameters, without Django's and psycopg's own keyword arguments
    # (read here: the probe may run in another thread, which has a connection of its own).
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in {"connect_timeout", "context", "cursor_factory", "prepare_threshold", "server_side_binding"}
    }
    timeout = settings.DATABASE_HEALTH_TIMEOUT or None
    try:
        _run_in_own_event_loop(lambda: asyncio.wait_for(_postgres_answers(params), timeout))
    except Exception:
        return False
    return True


def _run_in_own_event_loop(coroutine_make):
    """Run the coroutine `coroutine_make()` gives on an event loop of its own and return its result.

    asyncio.run refuses to start in a thread that already runs a loop (Playwright's sync API keeps one
    running in a test's thread), and the probe then said "down" of a database that answers. There it
    runs in a thread of its own instead. The coroutine is made where it runs, so that none is left
    unawaited when a loop refuses it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine_make())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz") as pool:
        return pool.submit(lambda: asyncio.run(coroutine_make())).result()


async def _postgres_answers(params: dict) -> None:
    """Connect with these libpq parameters and run `SELECT 1` on a connection of its own, bounded by the
    caller's clock.

    The server's statement_timeout cannot stop a server (or a network path) that has stopped answering
    altogether, and the request's own connection may be one that was opened before the stall: the
    probe's wait is measured here, in the client, so that /healthz answers 503 within its timeout.
    """
    # Imported only here, where the database is PostgreSQL: a site on SQLite never needs the driver.
    import psycopg

    # libpq's own limit (2 s at least) as well, so that no connection attempt outlives the probe for long.
    connect_timeout = max(2, settings.DATABASE_HEALTH_TIMEOUT)
    conn = await psycopg.AsyncConnection.connect(**params, connect_timeout=connect_timeout, autocommit=True)
    try:
        await conn.execute("SELECT 1")
    finally:
        await conn.close()


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return False
    return True


def server_error(request):
    """Django's 500 page, except when the error is the database being unreachable: then 503.

    Middleware that reads the database before the view (the staff MFA check reads `request.user`, hence
    the session) raises outside the reach of DatabaseUnavailableMiddleware; Django hands such errors to
    this handler while the exception is being handled, so it is still known here.
    """
    exception = sys.exception()
    if isinstance(exception, DatabaseUnavailable):
        return database_unavailable_response(request, exception)
    return defaults.server_error(request)
