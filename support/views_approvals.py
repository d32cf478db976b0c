"""Four eyes on data rights in the console: an agent asks for a customer's export or erasure from the
customer's data-rights page; supervisors see what waits for them and approve or refuse it, saying why.
The rules (not one's own request, once only) are privacy.approvals'."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from preferences.state import PreferenceError
from privacy.approvals import data_rights_approval_decide, data_rights_approval_request
from privacy.forms import ApprovalDecisionForm, ApprovalRequestForm, confirm_word
from privacy.models import DataRightsApproval
from privacy.selectors import data_rights_approvals_decided, data_rights_approvals_pending
from support.access import (
    customer_get_for_agent,
    data_rights_approval_get_for_supervisor,
    staff_required,
    supervisor_required,
)
from support.views_privacy import privacy_page


@require_POST
@staff_required
def approval_request(request, customer_id: int):
    customer = customer_get_for_agent(user=request.user, customer_id=customer_id)
    form = ApprovalRequestForm(request.POST, auto_id="id_approval_%s")
    if not form.is_valid():
        return privacy_page(request, customer, approval_form=form, status=400)
    try:
        data_rights_approval_request(
            customer_id=customer.pk,
            kind=form.cleaned_data["kind"],
            requester=request.user,
            reason=form.cleaned_data["reason"],
        )
    except PreferenceError as error:
        form.add_error(None, " ".join(error.messages))
        return privacy_page(request, customer, approval_form=form, status=400)
    messages.success(request, _("Your request was sent to the supervisors. It is done once one of them approves it."))
    return redirect("privacy_staff:privacy", customer_id=customer.pk)


@never_cache
@require_safe
@supervisor_required
def approval_list(request):
    return render(
        request,
        "support/approvals.html",
        {"pending": data_rights_approvals_pending(), "decided": data_rights_approvals_decided()},
    )


def _detail_page(request, approval: DataRightsApproval, *, form=None, status=200):
    return render(
        request,
        "support/approval_detail.html",
        {
            "approval": approval,
            "form": form or ApprovalDecisionForm(kind=approval.kind),
            "is_pending": approval.status == DataRightsApproval.Status.PENDING,
            "is_own": approval.requested_by_id == request.user.pk,
            "confirm_word": confirm_word(),
        },
        status=status,
    )


@never_cache
@require_safe
@supervisor_required
def approval_detail(request, approval_id: int):
    approval = data_rights_approval_get_for_supervisor(user=request.user, approval_id=approval_id)
    return _detail_page(request, approval)


@require_POST
@supervisor_required
def approval_decide(request, approval_id: int):
    approval = data_rights_approval_get_for_supervisor(user=request.user, approval_id=approval_id)
    form = ApprovalDecisionForm(request.POST, kind=approval.kind)
    if not form.is_valid():
        return _detail_page(request, approval, form=form, status=400)
    approve = form.cleaned_data["decision"] == ApprovalDecisionForm.APPROVE
    try:
        data_rights_approval_decide(
            approval_id=approval.pk, supervisor=request.user, approve=approve, reason=form.cleaned_data["reason"]
        )
    except PreferenceError as error:
        form.add_error(None, " ".join(error.messages))
        return _detail_page(request, approval, form=form, status=400)
    if approve and approval.kind == DataRightsApproval.Kind.ERASURE:
        messages.success(request, _("Approved: the customer's personal data was erased."))
    elif approve:
        messages.success(request, _("Approved: the download is being prepared. The customer also finds it on their privacy page."))
    else:
        messages.success(request, _("Refused: the request is closed and your reason recorded."))
    return redirect("support:approval_list")
