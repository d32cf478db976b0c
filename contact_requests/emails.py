"""The emails a customer gets about their contact requests."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from contact_requests.models import ContactRequest, ContactRequestStatus
from contact_requests.phrases import channel_phrase
from notifications.services import email_enqueue
from preferences.selectors import customer_email_address

Status = ContactRequestStatus

SUBJECTS = {
    "created": gettext_lazy("We received your request to talk to a person"),
    "changed": gettext_lazy("Your request to talk to a person is changed"),
    Status.ASSIGNED: gettext_lazy("A person is handling your request"),
    Status.SCHEDULED: gettext_lazy("Your appointment with our team"),
    Status.COMPLETED: gettext_lazy("Your request is complete"),
    Status.CANCELLED: gettext_lazy("Your request is cancelled"),
    Status.UNREACHABLE: gettext_lazy("We could not reach you"),
}


def customer_email_queue(contact_request: ContactRequest, *, template: str) -> None:
    """Queue the customer's email about their request (the acknowledgement or a state change), in its language."""
    customer = contact_request.customer
    address = customer_email_address(customer)
    if not address:
        return  # e.g. a customer known to the CRM by phone only: staff will call
    subject_key = template if template in SUBJECTS else contact_request.status
    with translation.override(contact_request.language), timezone.override(customer.time_zone):
        body = render_to_string(
            f"contact_requests/email/{template}.txt",
            {
                "contact_request": contact_request,
                "customer": customer,
                # "by phone", not "by Phone call": the channel inside a sentence.
                "channel_phrase": channel_phrase(contact_request.preferred_channel),
                "url": settings.SITE_URL.rstrip("/") + reverse("contact_requests:list"),
            },
        )
        subject = str(SUBJECTS[subject_key])
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=[address]), language=contact_request.language)
