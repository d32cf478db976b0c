"""The demo app (`manage.py demo_data`, synthetic customers): only in the dev, test and bench settings."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo data"
