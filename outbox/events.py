"""The event types other systems can subscribe to, and the shape of each payload (thin: ids, version,
what changed)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # payload: customer_id, external_id, version, changed (list of state keys)
    CUSTOMER_PREFERENCES_CHANGED = "customer.preferences_changed", _("A customer's preferences changed")
    # payload: customer_id, external_id, version
    CUSTOMER_CREATED = "customer.created", _("A customer was created")
    # payload: customer_id, external_id, erased_at, version (emitted by the erasure service). Every
    # earlier event of the customer is then redacted: external_id null, erased true (outbox.services.customer_events_redact).
    CUSTOMER_ERASED = "customer.erased", _("A customer's data was erased")
    # payload: contact_request_id, customer_id, external_id, topic (its code, or null), status
    CONTACT_REQUEST_CREATED = "contact_request.created", _("A human-contact request was created")
    # payload: contact_request_id, customer_id, external_id, topic, old_status, status, change
    CONTACT_REQUEST_CHANGED = "contact_request.changed", _("A human-contact request changed")
