"""The customer's pages. Thin: parse the form, call one service, render or redirect."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.sentences import in_sentence
from contact_requests.selectors import contact_request_steps_for_customer, contact_requests_open_for_customer
from contact_requests.wording import customer_step_text
from customer_pages import forms
from customer_pages.marketing import pause_end_text
from customer_pages.undo import change_context, undo_offer
from preferences import contact_points
from preferences.access import contact_point_get_for_customer, customer_required
from preferences.changes import preferences_change
from preferences.domain import ContactPointKind, SubscriptionStatus, TopicKind
from preferences.footprint import footprint_estimate
from preferences.history import event_rows
from preferences.keys import TOPIC, SettingKey
from preferences.ledger import ChangeContext
from preferences.marketing import marketing_pause_running
from preferences.models import Notice
from preferences.selectors import consent_events_for_customer, notice_current, preference_document_get
from preferences.state import PreferenceError

ADD_FORMS = {
    ContactPointKind.EMAIL: forms.EmailAddForm,
    ContactPointKind.PHONE: forms.PhoneAddForm,
    ContactPointKind.POSTAL: forms.PostalAddForm,
}


def _context(request) -> ChangeContext:
    return change_context(request)


# A customer sent from the request form to add a number comes back to it once the number is verified:
# "then=request" rides along the add, resend and verify forms (a fixed word, never a URL to follow).
THEN_REQUEST = "request"


def _then_request(request) -> bool:
    return THEN_REQUEST in (request.GET.get("then"), request.POST.get("then"))


def _channels_url(request, anchor: str = "") -> str:
    query = f"?then={THEN_REQUEST}" if _then_request(request) else ""
    return f"{reverse('preferences:channels')}{query}{anchor}"


def _shown(point) -> str:
    """A contact point as the customer writes it (06 12 34 56 78), for the messages about it."""
    return contact_points.contact_point_display(kind=point.kind, value=point.value)


def _add_service_errors(form, error: PreferenceError, field_map: dict[str, str] | None = None) -> None:
    for key, messages_ in error.message_dict.items():
        field = (field_map or {}).get(key, key)
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@never_cache
@require_safe
@customer_required
def overview(request, customer):
    document = preference_document_get(customer_id=customer.pk)
    # A pause holds back every marketing topic's channels, as the contact plan does (not shown under an
    # objection, which has already switched them all off).
    paused_until = None if customer.marketing_objection else marketing_pause_running(customer, now=timezone.now())
    return render(
        request,
        "preferences/overview.html",
        {
            "document": document,
            "footprint": footprint_estimate(document),
            "summary": _summary(document, paused=paused_until is not None),
            "paused_until_text": pause_end_text(paused_until, customer) if paused_until else "",
            # Named inside a sentence ("… cannot all be turned off (account security, …)").
            "critical_topics": ", ".join(
                in_sentence(topic.name) for topic in document.catalog.topics if topic.kind == TopicKind.CRITICAL
            ),
            "open_contact_requests": contact_requests_open_for_customer(customer=customer),
        },
    )


def _summary(document, *, paused: bool):
    """Each topic's row: the channels it goes to, those waiting for the customer's confirmation (double
    opt-in), whether a marketing pause holds them back, and its other choices."""
    rows = []
    channels = document.catalog.channels_by_code
    for topic in document.catalog.topics:
        offered = [code for code in document.ranking() if code in topic.allowed_channels]
        statuses = {code: document.subscription_status(topic, code) for code in offered}
        is_marketing = topic.kind == TopicKind.MARKETING
        rows.append(
            {
                "topic": topic,
                "channels": [channels[code].name for code in offered if statuses[code] == SubscriptionStatus.IN],
                "pending": [channels[code].name for code in offered if statuses[code] == SubscriptionStatus.PENDING],
                "paused": paused and is_marketing,
                "is_marketing": is_marketing,
                "ai_level": document.topic_setting(topic, "ai_level"),
                "paper_copy": topic.paper_copy_available and document.topic_setting(topic, "paper_copy"),
                "delivery_mode": document.topic_setting(topic, "delivery_mode"),
            }
        )
    return rows


def _channels_page(request, customer, *, status=200, **bound_forms):
    document = preference_document_get(customer_id=customer.pk)
    c = document.customer
    settings_initial = {
        "quiet_hours_start": c.quiet_hours_start,
        "quiet_hours_end": c.quiet_hours_end,
        "time_zone": c.time_zone,
        "language": c.language,
        "weekly_marketing_cap": "" if c.weekly_marketing_cap is None else str(c.weekly_marketing_cap),
        "large_print": c.large_print,
        "plain_text_email": c.plain_text_email,
        "easy_read": c.easy_read,
    }
    context = {
        "document": document,
        "contact_points": document.contact_points,
        "ranking": [document.catalog.channels_by_code[code] for code in document.ranking()],
        "usable": document.usable_channels(),
        "add_forms": {
            kind: bound_forms.get(f"add_{kind}") or form_class(auto_id=f"id_add_{kind}_%s", request=request)
            for kind, form_class in ADD_FORMS.items()
        },
        "verify_form": bound_forms.get("verify_form"),
        "verify_point_id": bound_forms.get("verify_point_id"),
        "remove_form": bound_forms.get("remove_form"),
        "remove_point_id": bound_forms.get("remove_point_id"),
        "then_request": _then_request(request),
        "settings_form": bound_forms.get("settings_form")
        or forms.SettingsForm(initial=settings_initial, time_zone=c.time_zone),
    }
    return render(request, "preferences/channels.html", context, status=status)


@never_cache
@require_safe
@customer_required
def channels(request, customer):
    return _channels_page(request, customer)


@require_POST
@customer_required
def contact_point_add(request, customer, kind):
    form_class = ADD_FORMS.get(kind)
    if form_class is None:
        return redirect("preferences:channels")
    form = form_class(request.POST, auto_id=f"id_add_{kind}_%s", request=request)
    if form.is_valid():
        try:
            point = contact_points.contact_point_add(
                customer_id=customer.pk, kind=kind, value=form.cleaned_data["value"], context=_context(request)
            )
        except PreferenceError as error:
            _add_service_errors(form, error)
        else:
            undo_offer(request, customer_id=customer.pk)
            if point.kind == ContactPointKind.POSTAL:
                messages.success(request, _("Your postal address was added."))
            else:
                messages.success(request, _("We sent a code to %(value)s. Enter it below to verify it.") % {"value": _shown(point)})
            return redirect(_channels_url(request, f"#contact-point-{point.pk}"))
    return _channels_page(request, customer, status=429 if form.rate_limited() else 400, **{f"add_{kind}": form})


@require_POST
@customer_required
def contact_point_verify(request, customer, contact_point_id):
    point = contact_point_get_for_customer(customer=customer, contact_point_id=contact_point_id)
    form = forms.VerificationCodeForm(request.POST, auto_id=f"id_verify_{point.pk}_%s")
    if form.is_valid():
        try:
            contact_points.contact_point_verify(
                customer_id=customer.pk, contact_point_id=point.pk, code=form.cleaned_data["code"], context=_context(request)
            )
        except PreferenceError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("%(value)s is verified.") % {"value": _shown(point)})
            if _then_request(request):  # back to the request form, this channel chosen
                return redirect(f"{reverse('contact_requests:list')}?channel={point.kind}#new-request")
            return redirect("preferences:channels")
    return _channels_page(request, customer, status=400, verify_form=form, verify_point_id=point.pk)


@require_POST
@customer_required
def contact_point_resend(request, customer, contact_point_id):
    point = contact_point_get_for_customer(customer=customer, contact_point_id=contact_point_id)
    try:
        contact_points.contact_point_verification_resend(customer_id=customer.pk, contact_point_id=point.pk)
    except PreferenceError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("We sent a new code to %(value)s.") % {"value": _shown(point)})
    return redirect(_channels_url(request, f"#contact-point-{point.pk}"))


@require_POST
@customer_required
def contact_point_remove(request, customer, contact_point_id):
    point = contact_point_get_for_customer(customer=customer, contact_point_id=contact_point_id)
    form = forms.ContactPointRemoveForm(request.POST, auto_id=f"id_remove_{point.pk}_%s", request=request)
    if form.is_valid():
        try:
            contact_points.contact_point_remove(customer_id=customer.pk, contact_point_id=point.pk, context=_context(request))
        except PreferenceError as error:
            _add_service_errors(form, error, {"value": "password"})
        else:
            undo_offer(request, customer_id=customer.pk)
            messages.success(request, _("%(value)s was removed.") % {"value": _shown(point)})
            return redirect("preferences:channels")
    status = 429 if form.rate_limited() else 400
    return _channels_page(request, customer, status=status, remove_form=form, remove_point_id=point.pk)


@require_POST
@customer_required
def ranking_move(request, customer):
    form = forms.RankingMoveForm(request.POST)
    if form.is_valid():
        document = preference_document_get(customer_id=customer.pk)
        changes = form.changes(document)
        if changes:
            result = preferences_change(customer_id=customer.pk, changes=changes, context=_context(request))
            undo_offer(request, result.events)
            channel = document.catalog.channels_by_code[form.cleaned_data["channel"]]
            messages.success(request, _("%(channel)s moved.") % {"channel": channel.name})
        elif changes is None:
            messages.error(request, _("This channel does not exist."))
    return redirect(f"{reverse('preferences:channels')}#ranking")


@require_POST
@customer_required
def settings_update(request, customer):
    form = forms.SettingsForm(
        request.POST,
        time_zone=customer.time_zone,
        stored_quiet_hours=(customer.quiet_hours_start, customer.quiet_hours_end),
    )
    if form.is_valid():
        try:
            result = preferences_change(customer_id=customer.pk, changes=form.changes(), context=_context(request))
        except PreferenceError as error:
            _add_service_errors(form, error, {str(SettingKey.customer(name)): name for name in form.fields})
        else:
            undo_offer(request, result.events)
            messages.success(request, _("Your settings were saved."))
            return redirect("preferences:channels")
    return _channels_page(request, customer, status=400, settings_form=form)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@customer_required
def topics(request, customer):
    document = preference_document_get(customer_id=customer.pk)
    form = forms.TopicsForm(request.POST if request.method == "POST" else None, document=document)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = preferences_change(customer_id=customer.pk, changes=form.changes(), context=_context(request))
            except PreferenceError as error:
                _add_service_errors(form, error, _topic_field_map(document))
            else:
                undo_offer(request, result.events)
                # What is true of every sender: the API answers from the saved document and webhooks
                # leave with the commit; what was prepared before (a campaign's file, a printed letter) stays.
                messages.success(
                    request,
                    _("Your choices are saved. They apply to every message prepared from now on; "
                      "a message already prepared or on its way may still reach you."),
                )
                # Its own fragment: the form's (#topics-grid, for a refused save) would carry over.
                return redirect(reverse("preferences:topics") + "#site-messages")
        status = 400
    return render(
        request,
        "preferences/topics.html",
        {
            "form": form,
            "columns": form.columns,
            "groups": list(form.groups()),
            "document": document,
            # The overview's "change" links name the topic whose details to show open (works without JavaScript).
            "open_topic": request.GET.get("open", ""),
        },
        status=status,
    )


def _topic_field_map(document) -> dict[str, str]:
    mapping = {}
    usable = document.usable_channels()
    for topic in document.catalog.topics:
        # "Keep at least one channel" is said of the topic: it goes to the row's first checkbox the customer
        # can tick, so that the summary links to the row and the row shows it, as for a group of checkboxes.
        offered = [code for code in document.ranking() if code in topic.allowed_channels]
        first = next((code for code in offered if code in usable), offered[0] if offered else None)
        if first:
            mapping[str(SettingKey(TOPIC, topic.code))] = f"sub__{topic.code}__{first}"
        for code in topic.allowed_channels:
            mapping[str(SettingKey.subscription(topic.code, code))] = f"sub__{topic.code}__{code}"
        mapping[str(SettingKey.topic(topic.code, "paper_copy"))] = f"paper__{topic.code}"
        mapping[str(SettingKey.topic(topic.code, "delivery_mode"))] = f"delivery__{topic.code}"
        mapping[str(SettingKey.topic(topic.code, "ai_level"))] = f"ai__{topic.code}"
    return mapping


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@customer_required
def ai(request, customer):
    document = preference_document_get(customer_id=customer.pk)
    initial = {"ai_default": customer.ai_default, "assistance_mode": customer.assistance_mode}
    form = forms.AiForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = preferences_change(customer_id=customer.pk, changes=form.changes(), context=_context(request))
            undo_offer(request, result.events)
            messages.success(request, _("Your choices were saved."))
            return redirect("preferences:ai")
        status = 400
    statement = notice_current(kind=Notice.Kind.AI_STATEMENT)
    return render(request, "preferences/ai.html", {"form": form, "statement": statement, "document": document}, status=status)


@never_cache
@require_safe
@customer_required
def history(request, customer):
    paginator = Paginator(consent_events_for_customer(customer_id=customer.pk, changes_only=True), 25)
    page = paginator.get_page(request.GET.get("page"))
    document = preference_document_get(customer_id=customer.pk)
    steps = [
        {"event": event, "text": text}
        for event in contact_request_steps_for_customer(customer=customer)
        if (text := customer_step_text(event))
    ]
    return render(
        request,
        "preferences/history.html",
        {"page": page, "rows": _changed_rows(event_rows(page.object_list, document.catalog)), "request_steps": steps},
    )


def _changed_rows(rows):
    """The rows that read as a change: one whose value reads the same before and after (two moments of
    one day, an old import's "not paused → not paused") says nothing to the customer."""
    return [row for row in rows if row.old != row.new]
