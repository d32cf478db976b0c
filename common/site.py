"""The site's name and address as emails and pages show them (SITE_NAME, SITE_URL)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext


def site_name() -> str:
    """SITE_NAME when the deployment names the site, else its name in the active language (the one
    the page header shows): never the host name, which means nothing to a customer."""
    return settings.SITE_NAME or gettext("Your contact preferences")


def site_url() -> str:
    """The public address of the site, without a trailing slash."""
    return settings.SITE_URL.rstrip("/")


def site_domain() -> str:
    """The host (and port) of SITE_URL: what allauth's emails call the site's domain."""
    return urlsplit(settings.SITE_URL).netloc or settings.SITE_URL
