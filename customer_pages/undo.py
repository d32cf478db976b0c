"""Undo on the customer's pages: who is changing (the signed-in customer, through the portal), the
offer shown with a confirmation, and the view that puts back what the latest change replaced."""

from collections.abc import Sequence

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.request_origin import request_origin
from customer_pages.forms import UndoForm
from preferences.access import customer_required
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from preferences.state import PreferenceError
from preferences.undo import change_undo, latest_change_event_id

# The session key of the offer: read once, by the page that shows the confirmation (templatetags.undo_offer).
UNDO_OFFER_SESSION_KEY = "undo_offer"


def change_context(request) -> ChangeContext:
    """The customer themselves, on this site: recorded on every event they write."""
    return ChangeContext(
        actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(request.user.pk), **request_origin(request)
    )


def undo_offer(request, events: Sequence[ConsentEvent] = (), *, customer_id: int | None = None) -> None:
    """Offer, beside the next confirmation, to undo the change that wrote these events (or, for the
    services that return no events, the customer's latest change). Nothing changed: no offer."""
    event_id = events[0].pk if events else None
    if event_id is None and customer_id is not None:
        event_id = latest_change_event_id(customer_id=customer_id)
    if event_id is not None:
        request.session[UNDO_OFFER_SESSION_KEY] = event_id
    else:
        request.session.pop(UNDO_OFFER_SESSION_KEY, None)


def _next_url(request, value: str) -> str:
    """Back to the page the customer was on, when it is one of this site's paths; else the overview."""
    # A path of printable characters only: a NUL, a control character or a lone surrogate in a
    # Location header is a 500 (tests/security/test_faults.py posts them).
    if (
        value.startswith("/")
        and value.isprintable()
        and value.isascii()
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return value
    return "preferences:overview"


@require_POST
@customer_required
def undo(request, customer):
    form = UndoForm(request.POST)
    target = _next_url(request, request.POST.get("next", ""))
    if not form.is_valid():
        messages.error(request, _("This change cannot be undone."))
        return redirect(target)
    try:
        events = change_undo(customer=customer, event_id=form.cleaned_data["event"], context=change_context(request))
    except PreferenceError as error:  # a refusal (UndoRefused) or a rule of the whole document
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Undone: what you had before this change is back."))
        undo_offer(request, events)
    return redirect(target)
