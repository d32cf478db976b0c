"""{% undo_offer %}: the "undo" button shown once beside the confirmation of a customer's change."""

from django import template

from customer_pages.undo import UNDO_OFFER_SESSION_KEY

register = template.Library()


@register.inclusion_tag("includes/undo_offer.html", takes_context=True)
def undo_offer(context) -> dict:
    """Take the offer the change left in the session (once: it goes with its confirmation message)."""
    request = context.get("request")
    session = getattr(request, "session", None)
    event_id = session.pop(UNDO_OFFER_SESSION_KEY, None) if session is not None else None
    return {"event_id": event_id, "next": request.get_full_path() if request is not None else "", "csrf_token": context.get("csrf_token")}
