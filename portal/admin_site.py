"""The site's admin: Django's, with the site's name on it and no regular expressions in a list's address.

INSTALLED_APPS names PortalAdminConfig in place of django.contrib.admin, so that admin.site (and every
app's `@admin.register`) is a PortalAdminSite. Its login goes through allauth (portal.urls).
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

# Lookups a list's address may not use (`?key__regex=(`): the database runs the expression over every
# row, a slow one holds it for as long as it runs, and one it cannot compile fails while the page is
# built. No filter or search box of ours needs one.
REFUSED_LOOKUPS = frozenset({"regex", "iregex"})


class RegexLookupsRefused:
    """A list filtered by a regular expression in its address is a 400 page, not a database error."""

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.rsplit("__", 1)[-1] in REFUSED_LOOKUPS:
            return False
        return super().lookup_allowed(lookup, value, request)


class PortalAdminSite(admin.AdminSite):
    site_header = _("Contact preferences: administration")
    site_title = _("Contact preferences administration")
    index_title = _("Administration")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model admin, ours and the libraries' (groups, allauth's), refuses regex lookups."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, RegexLookupsRefused):
            names = {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__}
            admin_class = type(admin_class.__name__, (RegexLookupsRefused, admin_class), names)
        super().register(model_or_iterable, admin_class, **options)


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
