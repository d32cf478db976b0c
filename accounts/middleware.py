"""Staff must have set up TOTP before they reach any staff page."""

from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect

from accounts.roles import is_staff_member

STAFF_PATH_PREFIXES = ("/support/", "/admin/")


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
