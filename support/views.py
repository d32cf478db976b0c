"""The support console. Thin: check the role, find the object through an access helper, call one
service, render or redirect."""


from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.csv_safe import csv_writer
from common.request_origin import request_origin
from contact_requests import services as request_services
from contact_requests.access import contact_request_get_for_staff
from contact_requests.models import ACTIVE_STATUSES, ContactRequestStatus
from contact_requests.reachability import channel_contact_points
from contact_requests.selectors import (
    contact_request_queue,
    contact_request_queue_counts,
    contact_requests_for_customer,
    conversation_reading,
)
from contact_requests.timing import appointments_proposed, request_window
from preferences.agent_settings import agent_settings_grid, setting_current
from preferences.domain import SubscriptionStatus
from preferences.history import event_rows, value_text
from preferences.selectors import consent_events_for_customer, preference_document_get
from preferences.state import PreferenceError
from support import forms
from support.access import customer_get_for_agent, staff_required, supervisor_required
from support.dashboard import dashboard_build
from support.ledger import request_event_rows, staff_ledger_rows
from support.selectors import SEARCH_LIMIT, customer_search
from support.services import customer_override_apply

LEDGER_PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 50


def _errors_to_form(form, error: ValidationError) -> None:
    for key, field_messages in error.message_dict.items():
        field = key if key in form.fields else None
        for message in field_messages:
            form.add_error(field, message)


# --- Customers -----------------------------------------------------------------------------------


@never_cache
@require_safe
@staff_required
def home(request):
    form = forms.CustomerSearchForm(request.GET or None)
    results = customer_search(query=form.cleaned_data["q"], limit=SEARCH_LIMIT + 1) if form.is_valid() else None
    more = results is not None and len(results) > SEARCH_LIMIT
    return render(
        request,
        "support/home.html",
        {"form": form, "results": results[:SEARCH_LIMIT] if more else results, "more": more, "shown": SEARCH_LIMIT},
    )


@never_cache
@require_safe
@staff_required
def customer_detail(request, customer_id):
    customer = customer_get_for_agent(user=request.user, customer_id=customer_id)
    document = preference_document_get(customer_id=customer.pk)
    page = Paginator(consent_events_for_customer(customer_id=customer.pk), LEDGER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "support/customer_detail.html",
        {
            "customer": customer,
            "document": document,
            "settings": agent_settings_grid(document),
            "contact_requests": contact_requests_for_customer(customer=customer),
            "page": page,
            "ledger": staff_ledger_rows(event_rows(page.object_list, document.catalog, for_staff=True)),
            "now": timezone.now(),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def customer_override(request, customer_id):
    customer = customer_get_for_agent(user=request.user, customer_id=customer_id)
    document = preference_document_get(customer_id=customer.pk)
    grid = agent_settings_grid(document)
    keys = grid.labels()
    key = request.POST.get("key") or request.GET.get("key") or ""
    if key not in keys:
        return render(
            request,
            "support/override_choose.html",
            {"customer": customer, "groups": grid.groups(), "unknown_key": key[:200]},
            status=400 if key else 200,
        )
    form = forms.OverrideForm(request.POST if request.method == "POST" else None, key=key, document=document)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                events = customer_override_apply(
                    customer_id=customer.pk,
                    changes=form.changes(),
                    staff_user=request.user,
                    reason_code=form.cleaned_data["reason_code"].code,
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                    **request_origin(request),
                )
            except PreferenceError as error:
                _errors_to_form(form, _map_override_errors(error, key))
            else:
                if any(event.new_value == SubscriptionStatus.PENDING for event in events):
                    # Marketing consent must come from the person (preferences.optin): not on yet.
                    message = _(
                        "Saved as waiting for the customer's confirmation: nothing is sent to them on it until they "
                        "confirm it through the link we send them (valid %(days)s days)."
                    )
                    messages.success(request, message % {"days": settings.OPTIN_CONFIRMATION_DAYS})
                elif events:
                    messages.success(request, _("The change is saved and the customer is told by email."))
                else:
                    messages.info(request, _("Nothing changed: the setting already had this value."))
                return redirect("support:customer_detail", customer_id=customer.pk)
        status = 400
    return render(
        request,
        "support/override.html",
        {
            "customer": customer,
            "form": form,
            "key": key,
            "label": keys[key],
            "current": value_text(key, setting_current(document, key), document.catalog, for_staff=True),
        },
        status=status,
    )


def _map_override_errors(error: PreferenceError, key: str) -> ValidationError:
    """The service names the setting's state key; the form calls that field "value"."""
    mapped = {}
    for field_key, field_messages in error.message_dict.items():
        target = field_key if field_key in ("reason_code", "reason", "evidence") else "value"
        mapped.setdefault(target, []).extend(field_messages)
    return ValidationError(mapped)


# --- Contact requests ----------------------------------------------------------------------------


@never_cache
@require_safe
@staff_required
def request_queue(request):
    now = timezone.now()
    filters = forms.QueueFilterForm(request.GET or None).filters()
    counts = contact_request_queue_counts(now=now, user_id=request.user.pk, status=filters.status)
    form = forms.QueueFilterForm(request.GET or None, counts=counts)
    form.is_valid()
    queryset = contact_request_queue(now=now, user_id=request.user.pk, filters=filters)
    page = Paginator(queryset, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "support/queue.html",
        {"form": form, "page": page, "now": now, "query": query.urlencode()},
    )


@never_cache
@require_safe
@staff_required
def request_detail(request, contact_request_id):
    contact_request = contact_request_get_for_staff(user=request.user, contact_request_id=contact_request_id)
    return _request_page(request, contact_request)


def _request_page(request, contact_request, *, status=200, **bound_forms):
    return render(
        request,
        "support/request_detail.html",
        {
            "contact_request": contact_request,
            # Where to reach the customer on the channel they chose (contact points prefetched).
            "reach_points": channel_contact_points(
                contact_request.customer.contact_points.all(), contact_request.preferred_channel
            ),
            "now": timezone.now(),
            "schedule_form": bound_forms.get("schedule_form")
            or forms.ScheduleForm(initial={"scheduled_for": contact_request.scheduled_for}),
            # Times that fit the customer's slots, quiet hours and our opening hours, one button each.
            "proposals": [
                timezone.localtime(moment)
                for moment in appointments_proposed(contact_request=contact_request, now=timezone.now())
            ]
            if contact_request.status in ACTIVE_STATUSES
            else [],
            "customer_window": request_window(contact_request),
            "complete_form": bound_forms.get("complete_form") or forms.CompleteForm(),
            "unreachable_form": bound_forms.get("unreachable_form") or forms.UnreachableForm(),
            "is_active": contact_request.status in ACTIVE_STATUSES,
            # A colleague holds it: each step's button takes it over from them as it does the step.
            "held_by": contact_request.assigned_to if contact_request.assigned_to_id not in (None, request.user.pk) else None,
            "event_rows": request_event_rows(list(contact_request.events.all())),
            "statuses": ContactRequestStatus,
            "handoff": conversation_reading(contact_request=contact_request),  # what a chatbot was told
        },
        status=status,
    )


def _back(request, contact_request_id: int):
    """Back where the agent came from (the queue or the request), never to another site."""
    target = request.POST.get("next", "")
    # A path of this site only: anything else (a word, a NUL, replacement characters from invalid
    # UTF-8) would make redirect() look it up as a view name and fail with a 500.
    local_path = target.startswith("/") and target.isprintable()
    if local_path and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("support:request_detail", contact_request_id=contact_request_id)


@require_POST
@staff_required
def request_assign(request, contact_request_id):
    contact_request = contact_request_get_for_staff(user=request.user, contact_request_id=contact_request_id)
    # Who had it on the page the button was on (empty: nobody): somebody who took it since is not
    # silently replaced.
    seen_assignee_id = _user_id_posted(request, "assigned_to")
    try:
        request_services.contact_request_assign(
            contact_request_id=contact_request.pk,
            actor=request_services.Actor.staff(request.user),
            assignee=request.user,
            seen_assignee_id=seen_assignee_id,
        )
    except request_services.ContactRequestError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if seen_assignee_id not in (None, request.user.pk):
            messages.success(request, _("You have taken over request #%(id)s.") % {"id": contact_request.pk})
        else:
            messages.success(request, _("Request #%(id)s is assigned to you.") % {"id": contact_request.pk})
    return _back(request, contact_request.pk)


def _user_id_posted(request, name: str) -> int | None:
    """A staff member's id a form carried (who held the request on the page it was on); None when none."""
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _request_transition(request, contact_request_id, *, form_class, form_name, service, fields, success):
    """Schedule, complete or mark unreachable: one form, one service call, the same answers. On a
    colleague's request the form's button takes it over from them as it does the step."""
    contact_request = contact_request_get_for_staff(user=request.user, contact_request_id=contact_request_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(
                contact_request_id=contact_request.pk,
                actor=request_services.Actor.staff(request.user),
                take_over_from=_user_id_posted(request, "take_over_from"),
                **{field: form.cleaned_data[field] for field in fields},
            )
        except request_services.ContactRequestError as error:
            # Shown as it is now: a colleague may have closed it since the page was loaded (no form left
            # to carry the error then).
            contact_request = contact_request_get_for_staff(user=request.user, contact_request_id=contact_request_id)
            if contact_request.status not in ACTIVE_STATUSES:
                messages.error(request, " ".join(error.messages))
                return redirect("support:request_detail", contact_request_id=contact_request.pk)
            _errors_to_form(form, error)
        else:
            messages.success(request, success)
            return redirect("support:request_detail", contact_request_id=contact_request.pk)
    return _request_page(request, contact_request, status=400, **{form_name: form})


@require_POST
@staff_required
def request_schedule(request, contact_request_id):
    return _request_transition(
        request,
        contact_request_id,
        form_class=forms.ScheduleForm,
        form_name="schedule_form",
        service=request_services.contact_request_schedule,
        fields=("scheduled_for", "outside_reason", "customer_agreed"),
        success=_("The appointment is set and the customer is told."),
    )


@require_POST
@staff_required
def request_complete(request, contact_request_id):
    return _request_transition(
        request,
        contact_request_id,
        form_class=forms.CompleteForm,
        form_name="complete_form",
        service=request_services.contact_request_complete,
        fields=("outcome_code", "outcome"),
        success=_("The request is complete and the customer is told."),
    )


@require_POST
@staff_required
def request_unreachable(request, contact_request_id):
    return _request_transition(
        request,
        contact_request_id,
        form_class=forms.UnreachableForm,
        form_name="unreachable_form",
        service=request_services.contact_request_mark_unreachable,
        fields=("note",),
        success=_("The request is closed as unreachable and the customer is told."),
    )


# --- Dashboard -----------------------------------------------------------------------------------


@never_cache
@require_safe
@supervisor_required
def dashboard(request):
    return render(request, "support/dashboard.html", {"dashboard": dashboard_build()})


@never_cache
@require_safe
@supervisor_required
def dashboard_csv(request):
    data = dashboard_build()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"dashboard-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv_writer(response)  # topic and channel names are supervisors' free text
    writer.writerow(["chart", "label", "value", "unit", "count"])
    writer.writerow(["customers", _("Customers"), data.customers, "", data.customers])
    writer.writerow(["queue", _("Requests in progress"), data.open_requests, "", data.open_requests])
    writer.writerow(["queue", _("Overdue requests"), data.overdue_requests, "", data.overdue_requests])
    for chart in data.charts:
        for row in chart.rows:
            writer.writerow([chart.slug, row.label, row.value, chart.unit, "" if row.count is None else row.count])
    for stacked in data.stacked:  # one line per week and series (channel)
        for row in stacked.rows:
            for series, count in zip(stacked.series, row.counts, strict=True):
                writer.writerow([stacked.slug, f"{row.label} · {series}", count, "", count])
    return response
