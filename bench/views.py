"""The benchmark's ceiling view, /bench/ping (bench settings only)."""

from django.http import JsonResponse


def ping(request):
    """The ceiling: a trivial JSON answer through the same server and middleware as the API."""
    return JsonResponse({"status": "ok"})
