"""The console's data-rights pages: exports and erasure run by a supervisor on a customer's request (by
phone, by letter), with a recorded reason. Agents see the page and ask a supervisor instead (four eyes:
support.views_approvals); they cannot export nor erase. The work is privacy's services'."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import is_supervisor
from preferences.state import PreferenceError
from privacy import services
from privacy.forms import ApprovalRequestForm, StaffEraseForm, StaffReasonForm, confirm_word
from privacy.models import RequestedBy
from privacy.selectors import data_exports_for_customer, data_rights_approvals_for_customer
from privacy.views import export_response
from support.access import (
    customer_get_for_agent,
    customer_get_for_data_rights,
    data_export_get_for_supervisor,
    staff_required,
    supervisor_required,
)


def privacy_page(request, customer, *, export_form=None, erase_form=None, approval_form=None, status=200):
    """The page: for supervisors, the exports and the direct forms; for everyone, the requests that
    wait for (or got) a supervisor's decision and the form to ask for one."""
    supervisor = is_supervisor(request.user)
    exports = data_exports_for_customer(customer_id=customer.pk) if supervisor else []
    return render(
        request,
        "privacy/staff.html",
        {
            "customer": customer,
            "exports": exports,
            "in_progress": any(export.is_in_progress for export in exports),
            "export_form": export_form or StaffReasonForm(auto_id="id_export_%s"),
            "erase_form": erase_form or StaffEraseForm(auto_id="id_erase_%s"),
            "approval_form": approval_form or ApprovalRequestForm(auto_id="id_approval_%s"),
            "approvals": data_rights_approvals_for_customer(customer_id=customer.pk),
            "confirm_word": confirm_word(),
        },
        status=status,
    )


@never_cache
@require_safe
@staff_required
def staff_privacy(request, customer_id: int):
    customer = customer_get_for_agent(user=request.user, customer_id=customer_id)
    return privacy_page(request, customer)


@require_POST
@supervisor_required
def staff_export_request(request, customer_id: int):
    customer = customer_get_for_data_rights(user=request.user, customer_id=customer_id)
    form = StaffReasonForm(request.POST, auto_id="id_export_%s")
    if not form.is_valid():
        return privacy_page(request, customer, export_form=form, status=400)
    services.data_export_request(
        customer_id=customer.pk,
        requested_by_type=RequestedBy.STAFF,
        requested_by_id=str(request.user.pk),
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, _("The download is being prepared. The customer also finds it on their privacy page."))
    return redirect("privacy_staff:privacy", customer_id=customer.pk)


@never_cache
@require_safe
@supervisor_required
def staff_export_download(request, customer_id: int, export_id: int, fmt: str):
    export = data_export_get_for_supervisor(user=request.user, customer_id=customer_id, export_id=export_id)
    return export_response(export, fmt)


@require_POST
@supervisor_required
def staff_erase(request, customer_id: int):
    customer = customer_get_for_data_rights(user=request.user, customer_id=customer_id)
    form = StaffEraseForm(request.POST, auto_id="id_erase_%s")
    if not form.is_valid():
        return privacy_page(request, customer, erase_form=form, status=400)
    try:
        services.customer_erase(
            customer_id=customer.pk,
            requested_by_type=RequestedBy.STAFF,
            requested_by_id=str(request.user.pk),
            reason=form.cleaned_data["reason"],
        )
    except PreferenceError as error:
        form.add_error(None, " ".join(error.messages))
        return privacy_page(request, customer, erase_form=form, status=400)
    messages.success(request, _("The customer's personal data was erased."))
    return redirect("support:home")
