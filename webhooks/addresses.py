"""Where webhooks may go (SSRF guard), checked when an endpoint is registered and again on every
attempt, against the addresses the host resolves to at that moment (the connection then goes to the
address that was checked, so DNS cannot change its answer in between).

WEBHOOK_ALLOWED_NETWORKS:
- "public" (production): HTTPS only, and every address must be global: no private, loopback,
  link-local, shared, reserved or multicast address.
- "loopback" (development, test): only 127.0.0.0/8 and ::1, over HTTPS or plain HTTP, so that no
  test, fuzzer or demo can ever send a delivery beyond the machine it runs on.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

LOOPBACK = "loopback"
PUBLIC = "public"


class AddressRefused(ValueError):
    """The URL may not receive webhooks; the message says why, in the active language."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the checked IP address to connect to


def _mode() -> str:
    mode = getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", PUBLIC)
    if mode not in (LOOPBACK, PUBLIC):
        raise ValueError(f"WEBHOOK_ALLOWED_NETWORKS must be {LOOPBACK!r} or {PUBLIC!r}, not {mode!r}.")
    return mode


def address_allowed(address: str, *, mode: str | None = None) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if (mode or _mode()) == LOOPBACK:
        return ip.is_loopback
    return ip.is_global and not ip.is_multicast


def url_parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an acceptable URL, without resolving it; AddressRefused otherwise."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise AddressRefused(_("Enter a valid URL.")) from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("https", "http") or not host:
        raise AddressRefused(_("Enter a valid https:// URL."))
    if parts.username or parts.password:
        raise AddressRefused(_("The URL may not contain a user name or password."))
    if parts.fragment:
        raise AddressRefused(_("The URL may not contain a fragment (#…)."))
    if scheme == "http" and _mode() != LOOPBACK:
        raise AddressRefused(_("Webhooks are only sent over HTTPS."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def target_resolve(url: str) -> Target:
    """Resolve the URL's host and check every address it resolves to; the first one is the target."""
    scheme, host, port, path = url_parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(_("The host name of this URL cannot be resolved.")) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise AddressRefused(_("The host name of this URL cannot be resolved."))
    for address in addresses:
        if not address_allowed(address):
            if _mode() == LOOPBACK:
                raise AddressRefused(
                    _("In development and tests, webhooks may only go to this machine (127.0.0.1 or ::1).")
                )
            raise AddressRefused(_("This URL leads to a private, local or reserved address."))
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
