"""The email a customer gets when the download of their data they asked for is ready (or failed)."""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from common.site import site_url
from notifications.services import email_enqueue
from preferences.selectors import customer_email_address
from privacy.models import DataExport, RequestedBy


def data_export_finished_email_queue(export: DataExport) -> None:
    """Queue it in the caller's transaction (nothing lost, nothing sent for a change rolled back).
    Only for exports the customer asked for: staff and API clients fetch theirs themselves."""
    if export.requested_by_type != RequestedBy.CUSTOMER:
        return
    customer = export.customer
    address = customer_email_address(customer)
    if not address:
        return
    with translation.override(customer.language), timezone.override(customer.time_zone):
        ready = export.status == DataExport.Status.READY
        body = render_to_string(
            "privacy/email/export_finished.txt",
            {"export": export, "ready": ready, "url": site_url() + reverse("privacy:privacy") + "#download-title"},
        )
        subject = gettext("Your data is ready to download") if ready else gettext("We could not prepare your data")
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=[address]), language=customer.language)
