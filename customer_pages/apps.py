"""The customer_pages app: the customer's own preference pages (under /my/) and the allauth adapter
that makes a new user a customer, a surface over the preferences core. No models."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerPagesConfig(AppConfig):

    name = "customer_pages"
    verbose_name = _("Customer pages")
