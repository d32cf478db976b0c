"""The contact requests app: "talk to a person"."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactRequestsConfig(AppConfig):
    name = "contact_requests"
    verbose_name = _("Human-contact requests")
