"""The contact requests app: "talk to a person"."""

from django.apps import AppConfig


class ContactRequestsConfig(AppConfig):
    name = "contact_requests"
    verbose_name = "Human-contact requests"
