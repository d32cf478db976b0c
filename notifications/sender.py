"""Who an email is from: the site's sending address (DEFAULT_FROM_EMAIL) under a display name in the
language the email is written in (EMAIL_FROM_NAMES), so that an English email does not come from a
French name."""

from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings


def email_sender(language: str | None) -> str:
    """The From header for an email written in `language` ("fr", "en", "en-gb"...): the name for that
    language, else for the site's default language, else the name DEFAULT_FROM_EMAIL carries."""
    configured_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:  # not an address parseaddr understands: left as the deployment wrote it
        return settings.DEFAULT_FROM_EMAIL
    names = getattr(settings, "EMAIL_FROM_NAMES", {})
    base = (language or settings.LANGUAGE_CODE).split("-")[0].lower()
    name = names.get(base) or names.get(settings.LANGUAGE_CODE) or configured_name
    if not name:
        return address
    # Address quotes a name that needs it ("Acme, Inc."); a non-ASCII name is encoded when sent.
    try:
        return str(Address(display_name=name, addr_spec=address))
    except ValueError:  # an address without a domain ("root"): as the deployment wrote it
        return settings.DEFAULT_FROM_EMAIL
