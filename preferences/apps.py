"""The preferences app (the core): its configuration and what it registers when Django starts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreferencesConfig(AppConfig):
    name = "preferences"
    verbose_name = _("Preferences")

    def ready(self) -> None:
        # Registers the `__any` lookup (one array parameter for long lists on PostgreSQL).
        from preferences import lookups  # noqa: F401
