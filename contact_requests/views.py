"""The customer's "talk to a human" page. Thin: parse the form, call one service, redirect."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from contact_requests import services
from contact_requests.access import contact_request_get_for_customer
from contact_requests.forms import ContactRequestForm
from contact_requests.models import CreatedByType
from contact_requests.reachability import reachable_channels
from contact_requests.selectors import contact_requests_for_customer, customer_contact_points
from preferences.access import customer_required


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@customer_required
def contact_request_list(request, customer):
    reachable = reachable_channels(customer_contact_points(customer=customer))
    form = ContactRequestForm(request.POST or None, initial={"language": customer.language}, reachable=reachable)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.contact_request_create(
                    customer=customer,
                    topic=data["topic"],
                    reason=data["reason"],
                    preferred_channel=data["preferred_channel"],
                    preferred_time_slots=data["preferred_time_slots"],
                    language=data["language"],
                    contested_decision=data["contested_decision"],
                    created_by_type=CreatedByType.CUSTOMER,
                    actor_id=str(request.user.pk),
                )
            except services.ContactRequestError as error:
                for field, field_messages in error.message_dict.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Your request is sent. We sent you an email to confirm it."))
                return redirect("contact_requests:list")
        status = 400
    return render(
        request,
        "contact_requests/list.html",
        {"form": form, "contact_requests": contact_requests_for_customer(customer=customer), "now": timezone.now()},
        status=status,
    )


@require_POST
@customer_required
def contact_request_cancel(request, customer, contact_request_id):
    contact_request = contact_request_get_for_customer(customer=customer, contact_request_id=contact_request_id)
    try:
        services.contact_request_cancel(contact_request_id=contact_request.pk, actor=services.Actor.customer(customer))
    except services.ContactRequestError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request is cancelled."))
    return redirect("contact_requests:list")
