"""The support console app: staff search, overrides, the queue, the dashboard."""

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Support console"
