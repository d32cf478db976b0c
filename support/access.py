"""Who may reach the console: staff (agents and supervisors); the dashboard and a customer's data
rights (exports and erasure, irreversible): supervisors only, or an agent's request that another
supervisor approves (four eyes: privacy.approvals).

Anonymous visitors are sent to sign in; signed-in customers are refused (403). TOTP is enforced
before these checks by accounts.middleware.StaffMFARequiredMiddleware.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import is_staff_member, is_supervisor
from preferences.models import Customer
from privacy.access import data_export_get_for_customer
from privacy.models import DataExport, DataRightsApproval


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def supervisor_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_supervisor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def customer_get_for_agent(*, user, customer_id: int) -> Customer:
    """A customer for a member of staff; erased customers no longer exist for the console."""
    if not is_staff_member(user):
        raise PermissionDenied
    customer = (
        Customer.objects.select_related("user")
        .filter(
            pk=customer_id,
            erased_at__isnull=True,
        )
        .first()
    )
    if customer is None:
        raise Http404
    return customer


def customer_get_for_data_rights(*, user, customer_id: int) -> Customer:
    """A customer whose data a supervisor exports or erases; agents are refused (403)."""
    if not user.is_authenticated:
        raise PermissionDenied
    if not is_supervisor(user):
        raise PermissionDenied
    return customer_get_for_agent(user=user, customer_id=customer_id)


def data_export_get_for_supervisor(*, user, customer_id: int, export_id: int) -> DataExport:
    customer = customer_get_for_data_rights(user=user, customer_id=customer_id)
    return data_export_get_for_customer(customer=customer, export_id=export_id)


def data_rights_approval_get_for_supervisor(*, user, approval_id: int) -> DataRightsApproval:
    """An agent's request about a customer's data, for a supervisor to decide on; agents are refused."""
    if not user.is_authenticated:
        raise PermissionDenied
    if not is_supervisor(user):
        raise PermissionDenied
    approval = (
        DataRightsApproval.objects.select_related("customer__user", "requested_by", "decided_by")
        .filter(pk=approval_id)
        .first()
    )
    if approval is None:
        raise Http404
    return approval
