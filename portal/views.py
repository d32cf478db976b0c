"""Site-wide pages: home, health check, accessibility statement."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.celery import app as celery_app


@require_safe
def home(request):
    if request.user.is_authenticated:
        from accounts.roles import is_staff_member

        if is_staff_member(request.user):
            return redirect("support:home") if _support_installed() else render(request, "home.html")
        return redirect("preferences:overview")
    return render(request, "home.html")


def _support_installed() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("support:home")
    except NoReverseMatch:
        return False
    return True


@require_safe
def accessibility(request):
    return render(request, "accessibility.html")


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
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return False
    return True


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return False
    return True
