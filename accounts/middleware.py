"""Staff must have set up TOTP before they reach any staff page, and see times in their own zone there;
account pages are never cached."""

import zoneinfo

from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from accounts.roles import is_staff_member

STAFF_PATH_PREFIXES = ("/support/", "/admin/")
ACCOUNT_PATH_PREFIX = "/accounts/"


class StaffMFARequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith(STAFF_PATH_PREFIXES)
            and request.user.is_authenticated
            and is_staff_member(request.user)
            and not is_mfa_enabled(request.user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class AccountPagesNoStoreMiddleware:
    """allauth's pages (/accounts/: email addresses, password change, two-factor set-up and recovery
    codes, reset keys in paths) are never kept by a browser's history cache or a shared proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(ACCOUNT_PATH_PREFIX):
            add_never_cache_headers(response)
        return response


class StaffTimeZoneMiddleware:
    """On staff pages, times are shown in the staff member's own zone when they chose one (an agent
    working from Montréal or La Réunion), in the site's otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None
        if request.path.startswith(STAFF_PATH_PREFIXES) and request.user.is_authenticated and request.user.time_zone:
            try:
                zone = zoneinfo.ZoneInfo(request.user.time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                zone = None  # a zone removed from the system's database: the site's, rather than an error
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)
