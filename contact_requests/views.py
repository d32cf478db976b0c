"""The customer's "talk to a human" pages: ask, change or cancel (after a confirmation, until a person
takes it). Thin: parse the form, call one service, redirect."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from contact_requests import services
from contact_requests.access import contact_request_get_for_customer
from contact_requests.forms import ContactRequestCancelForm, ContactRequestChangeForm, ContactRequestForm
from contact_requests.models import ContactRequestStatus, CreatedByType
from contact_requests.phrases import channel_phrase
from contact_requests.reachability import reachable_channels
from contact_requests.selectors import contact_requests_for_customer, customer_contact_points
from contact_requests.team import team_contact_get
from contact_requests.timing import time_slots_worked
from contact_requests.wording import promised_when_text
from preferences.access import customer_required


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@customer_required
def contact_request_list(request, customer):
    reachable = reachable_channels(customer_contact_points(customer=customer))
    initial = {"language": customer.language}
    if request.GET.get("channel") in reachable:  # back from adding and verifying a number: that channel chosen
        initial["preferred_channel"] = request.GET["channel"]
    slots_offered = time_slots_worked(customer=customer, now=timezone.now())
    form = ContactRequestForm(request.POST if request.method == "POST" else None, initial=initial, reachable=reachable, slots_offered=slots_offered)
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
                messages.success(request, _confirmation(data["preferred_channel"], data["preferred_time_slots"]))
                return redirect("contact_requests:list")
        status = 400
    return render(
        request,
        "contact_requests/list.html",
        {
            "form": form,
            "contact_requests": contact_requests_for_customer(customer=customer),
            "now": timezone.now(),
            "team": team_contact_get(),
        },
        status=status,
    )


def _confirmation(channel: str, slots, *, changed: bool = False) -> str:
    """The confirmation repeats what the customer chose (the email does too): a new request is sent, a
    changed one is changed."""
    if changed:
        message = _(
            "Your request is changed: we will contact you by %(channel)s, %(when)s. We sent you an email to confirm it."
        )
    else:
        message = _(
            "Your request is sent: we will contact you by %(channel)s, %(when)s. We sent you an email to confirm it."
        )
    return message % {"channel": channel_phrase(channel), "when": promised_when_text(slots)}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@customer_required
def contact_request_cancel(request, customer, contact_request_id):
    """The "Cancel this request?" step: a GET (or a POST without "Yes, cancel it") shows what cancelling
    does and changes nothing, so that a stray tap cannot lose a request and its place in the queue; only
    the confirmed POST cancels. A request a person has taken, or a closed one, is not offered (the service
    checks again, under lock: it may have been taken since the page was shown)."""
    contact_request = contact_request_get_for_customer(customer=customer, contact_request_id=contact_request_id)
    form = ContactRequestCancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_request_cancel(contact_request_id=contact_request.pk, actor=services.Actor.customer(customer))
        except services.ContactRequestError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "Your request is cancelled: nobody will contact you about it. If you need to talk to a person "
                    "again, send a new request with the form below."
                ),
            )
        return redirect("contact_requests:list")
    status = 200
    if request.method == "POST":
        status = 400 if contact_request.status == ContactRequestStatus.OPEN else 409
    return render(
        request,
        "contact_requests/cancel.html",
        {"contact_request": contact_request, "team": team_contact_get()},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@customer_required
def contact_request_change(request, customer, contact_request_id):
    """Change how and when to be contacted, or cancel, until a person takes the request."""
    contact_request = contact_request_get_for_customer(customer=customer, contact_request_id=contact_request_id)
    reachable = reachable_channels(customer_contact_points(customer=customer))
    initial = {
        "preferred_channel": contact_request.preferred_channel,
        "preferred_time_slots": contact_request.preferred_time_slots,
    }
    slots_offered = time_slots_worked(customer=customer, now=timezone.now())
    form = ContactRequestChangeForm(request.POST if request.method == "POST" else None, initial=initial, reachable=reachable, slots_offered=slots_offered)
    status = 200
    if request.method == "POST" and contact_request.status == ContactRequestStatus.OPEN:
        if form.is_valid():
            try:
                services.contact_request_change(
                    contact_request_id=contact_request.pk,
                    actor=services.Actor.customer(customer),
                    preferred_channel=form.cleaned_data["preferred_channel"],
                    preferred_time_slots=form.cleaned_data["preferred_time_slots"],
                )
            except services.ContactRequestError as error:
                for field, field_messages in error.message_dict.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request,
                    _confirmation(
                        form.cleaned_data["preferred_channel"], form.cleaned_data["preferred_time_slots"], changed=True
                    ),
                )
                return redirect("contact_requests:list")
        status = 400
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "contact_requests/change.html",
        {"form": form, "contact_request": contact_request, "team": team_contact_get()},
        status=status,
    )
