"""The customer's privacy page: download my data, delete my account. Thin views."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from preferences.access import customer_required
from preferences.state import PreferenceError
from privacy import services
from privacy.access import data_export_get_for_customer, data_export_status_get_for_customer
from privacy.forms import AccountDeleteForm, confirm_word
from privacy.models import DataExport, RequestedBy
from privacy.selectors import data_exports_for_customer

FORMATS = {
    "json": ("application/json; charset=utf-8", "json_content"),
    "csv": ("text/csv; charset=utf-8", "csv_content"),
}


def _page(request, customer, *, delete_form=None, status=200):
    exports = data_exports_for_customer(customer_id=customer.pk)
    return render(
        request,
        "privacy/privacy.html",
        {
            "exports": exports,
            "in_progress": any(export.is_in_progress for export in exports),
            "delete_form": delete_form or AccountDeleteForm(request=request),
            "confirm_word": confirm_word(),
        },
        status=status,
    )


@never_cache
@require_safe
@customer_required
def privacy(request, customer):
    return _page(request, customer)


@require_POST
@customer_required
def export_request(request, customer):
    services.data_export_request(
        customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER, requested_by_id=str(request.user.pk)
    )
    messages.success(request, _("We are preparing your data. This page shows when it is ready."))
    return redirect("privacy:privacy")


@never_cache
@require_safe
@customer_required
def export_status(request, customer, export_id: int):
    """Where one of the customer's exports stands, for the page's script (static/js/export-progress.js),
    with its words in the customer's language so that the script holds none."""
    export = data_export_status_get_for_customer(customer=customer, export_id=export_id)
    messages_by_status = {
        DataExport.Status.READY: _("Your data is ready: the download links are in the table."),
        DataExport.Status.FAILED: _("We could not prepare your data. Please ask for a new download."),
    }
    return JsonResponse(
        {
            "id": export.pk,
            "status": export.status,
            "in_progress": export.is_in_progress,
            "progress": export.progress,
            "status_label": export.get_status_display().capitalize(),
            "progress_label": _("%(percent)s%% done") % {"percent": export.progress},
            "message": messages_by_status.get(export.status, ""),
        }
    )


@never_cache
@require_safe
@customer_required
def export_download(request, customer, export_id: int, fmt: str):
    export = data_export_get_for_customer(customer=customer, export_id=export_id)
    return export_response(export, fmt)


def export_response(export, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    content_type, field = FORMATS[fmt]
    response = HttpResponse(getattr(export, field), content_type=content_type)
    stamp = export.finished_at.strftime("%Y%m%d") if export.finished_at else "export"
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.{fmt}"'
    return response


@require_POST
@customer_required
def account_delete(request, customer):
    form = AccountDeleteForm(request.POST, request=request)
    if not form.is_valid():
        return _page(request, customer, delete_form=form, status=429 if form.rate_limited() else 400)
    try:
        services.customer_erase(
            customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER, requested_by_id=str(request.user.pk)
        )
    except PreferenceError as error:
        form.add_error(None, " ".join(error.messages))
        return _page(request, customer, delete_form=form, status=400)
    logout(request)
    return render(request, "privacy/deleted.html")
