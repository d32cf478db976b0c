"""The links app: its configuration, and the double opt-in sender it gives the core at start-up."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinksConfig(AppConfig):
    name = "links"
    verbose_name = _("One-click links")

    def ready(self) -> None:
        # Imported here, not at the top: models may be imported only once the app registry is ready.
        from links.services import optin_confirmation_request
        from preferences.optin import confirmation_sender_register

        confirmation_sender_register(optin_confirmation_request)
