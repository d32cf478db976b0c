"""The customer's marketing page (/my/marketing/): pause for a while and resume, object to all marketing
(after a confirmation) and lift the objection, then put back the choices it cleared."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from customer_pages.forms import MarketingObjectionForm, MarketingPauseForm
from customer_pages.undo import change_context, undo_offer
from preferences.access import customer_required
from preferences.changes import preferences_change
from preferences.domain import SubscriptionStatus, TopicKind
from preferences.history import event_rows
from preferences.keys import SettingKey
from preferences.marketing import (
    marketing_choices_cleared,
    marketing_choices_restore,
    marketing_pause,
    marketing_pause_running,
    marketing_resume,
)
from preferences.models import ConsentEvent
from preferences.selectors import preference_document_get
from preferences.state import PreferenceError


def pause_end_text(moment, customer) -> str:
    """The day a pause ends, in the customer's own time zone."""
    with timezone.override(customer.time_zone):
        return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _cleared_rows(document, keys: list[str]) -> list[str]:
    """The cleared choices in plain words ("“Offers” by email"), as the history names them."""
    events = [ConsentEvent(key=key, old_value=SubscriptionStatus.OUT, new_value=SubscriptionStatus.IN) for key in keys]
    return [row.what for row in event_rows(events, document.catalog)]


def _marketing_on(document) -> list[str]:
    """The marketing choices switched on now (what an objection would switch off), in plain words."""
    keys = [
        str(SettingKey.subscription(topic.code, code))
        for topic in document.catalog.topics
        if topic.kind == TopicKind.MARKETING
        for code in document.ranking()
        if code in topic.allowed_channels and document.subscription_status(topic, code) != SubscriptionStatus.OUT
    ]
    return _cleared_rows(document, keys)


@never_cache
@require_safe
@customer_required
def marketing(request, customer):
    return _marketing_page(request, customer)


def _marketing_page(request, customer, *, pause_form=None, status=200):
    document = preference_document_get(customer_id=customer.pk)
    paused_until = marketing_pause_running(document.customer, now=timezone.now())
    cleared = marketing_choices_cleared(customer_id=customer.pk)
    context = {
        "document": document,
        "paused_until": paused_until,
        "paused_until_text": pause_end_text(paused_until, customer) if paused_until else "",
        "pause_form": pause_form or MarketingPauseForm(),
        "cleared": _cleared_rows(document, cleared.keys),
    }
    return render(request, "preferences/marketing.html", context, status=status)


@require_POST
@customer_required
def pause(request, customer):
    form = MarketingPauseForm(request.POST)
    if form.is_valid():
        try:
            result = marketing_pause(
                customer_id=customer.pk,
                months=form.cleaned_data["months"],
                context=change_context(request),
                now=timezone.now(),
            )
        except PreferenceError as error:
            for message in error.messages:
                form.add_error("months", message)
        else:
            undo_offer(request, result.events)
            until = pause_end_text(result.document.customer.marketing_paused_until, customer)
            messages.success(request, _("Marketing is paused until %(date)s. Nothing else changes.") % {"date": until})
            return redirect("preferences:marketing")
    return _marketing_page(request, customer, pause_form=form, status=400)


@require_POST
@customer_required
def resume(request, customer):
    result = marketing_resume(customer_id=customer.pk, context=change_context(request))
    undo_offer(request, result.events)
    messages.success(request, _("Marketing has resumed: you may again receive the messages you chose."))
    return redirect("preferences:marketing")


@require_POST
@customer_required
def restore(request, customer):
    try:
        result = marketing_choices_restore(customer_id=customer.pk, context=change_context(request))
    except PreferenceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        undo_offer(request, result.events)
        messages.success(request, _("Your marketing choices are back as they were before your objection."))
    return redirect("preferences:marketing")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@customer_required
def marketing_objection(request, customer):
    """GET, or a POST to object that is not confirmed yet: the confirmation page. A confirmed POST
    objects; a POST to lift applies at once (withdrawing is never harder than consenting) and offers to
    put back what the objection cleared."""
    form = MarketingObjectionForm(request.POST if request.method == "POST" else None)
    came_from = "marketing" if request.POST.get("from", request.GET.get("from")) == "marketing" else "topics"
    back = reverse(f"preferences:{came_from}")
    if request.method != "POST" or not form.is_valid() or (form.cleaned_data["objection"] and not form.cleaned_data["confirm"]):
        incomplete = request.method == "POST" and not form.is_valid()
        if customer.marketing_objection:
            if incomplete:  # the lifting form, on the marketing page, cut short: say nothing changed
                messages.error(request, " ".join(form.non_field_errors()))
            return redirect("preferences:marketing")
        # Not confirmed yet, or a POST that arrived empty or garbled: the confirmation, with that error.
        document = preference_document_get(customer_id=customer.pk)
        return render(
            request,
            "preferences/marketing_objection_confirm.html",
            {
                "switched_off": _marketing_on(document),
                "back": back,
                "came_from": came_from,
                "form": form if incomplete else None,
            },
            status=400 if incomplete else 200,
        )
    objection = form.cleaned_data["objection"]
    result = preferences_change(
        customer_id=customer.pk, changes={"customer.marketing_objection": objection}, context=change_context(request)
    )
    undo_offer(request, result.events)
    if objection:
        messages.success(request, _("You will receive no more marketing messages, on any channel."))
        return redirect(back)
    if marketing_choices_cleared(customer_id=customer.pk).keys:
        messages.success(request, _("Your objection is lifted. You can put back the choices it had switched off."))
        return redirect(f"{reverse('preferences:marketing')}#restore")
    messages.success(request, _("Your objection is lifted. Choose below which marketing messages you want."))
    return redirect("preferences:topics")
