"""Who may reach a contact request: its own customer, or support staff."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.roles import is_staff_member
from contact_requests.models import ContactRequest
from contact_requests.selectors import contact_request_detail
from preferences.models import Customer


def contact_request_get_for_customer(*, customer: Customer, contact_request_id: int) -> ContactRequest:
    """The customer's own request, or 404 (another customer's request does not exist for them)."""
    contact_request = ContactRequest.objects.filter(
        pk=contact_request_id,
        customer=customer,
    ).first()
    if contact_request is None:
        raise Http404
    return contact_request


def contact_request_get_for_staff(*, user, contact_request_id: int) -> ContactRequest:
    """Any request, with its events, for a member of staff; others are refused (403)."""
    if not user.is_authenticated:
        raise PermissionDenied
    if not is_staff_member(user):
        raise PermissionDenied
    contact_request = contact_request_detail(contact_request_id=contact_request_id)
    if contact_request is None:
        raise Http404
    return contact_request
