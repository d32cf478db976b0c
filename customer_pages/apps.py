"""The customer_pages app: the customer's own preference pages (under /my/) and the allauth adapter
that makes a new user a customer, a surface over the preferences core. No models."""

from django.apps import AppConfig


class CustomerPagesConfig(AppConfig):

    name = "customer_pages"
    verbose_name = "Customer pages"
