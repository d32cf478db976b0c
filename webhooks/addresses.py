"""Where webhooks may go (SSRF guard), checked when an endpoint is registered and again on every
attempt, against the addresses the host resolves to at that moment (the connection then goes to the
address that was checked, so DNS cannot change its answer in between).

WEBHOOK_ALLOWED_NETWORKS:
- "public" (production): HTTPS only, and every address must be global: no private, loopback,
  link-local, shared, reserved or multicast address. An IPv6 address that carries an IPv4 address
  (IPv4-mapped, -compatible or -translated, NAT64, 6to4, Teredo, ISATAP) reaches that IPv4 address
  through a translator or a tunnel: the IPv4 address must be global too (64:ff9b::7f00:1 is 127.0.0.1).
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


# IPv6 prefixes whose last 32 bits are an IPv4 address (RFC 4291, 6052, 6145).
_LOW_32_PREFIXES = tuple(
    ipaddress.ip_network(prefix)
    for prefix in (
        "::/96",  # IPv4-compatible (deprecated): ::127.0.0.1
        "::ffff:0:0/96",  # IPv4-mapped: ::ffff:127.0.0.1
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT): ::ffff:0:7f00:1
        "64:ff9b::/96",  # NAT64, well-known prefix: 64:ff9b::7f00:1
    )
)
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use, IPv4 anywhere in it
_ISATAP_IDS = (0x00005EFE, 0x02005EFE)  # interface identifier ::0:5efe:a.b.c.d (RFC 5214)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to through a translator or tunnel; [] for none."""
    found = []
    value = int(ip)
    if any(ip in prefix for prefix in _LOW_32_PREFIXES):
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    if ip.sixtofour is not None:  # 6to4: 2002:7f00:1::
        found.append(ip.sixtofour)
    if ip.teredo is not None:  # Teredo: the server and the (obfuscated) client
        found.extend(ip.teredo)
    if (value >> 32) & 0xFFFFFFFF in _ISATAP_IDS:
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return found


def _ipv4_allowed(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast


def address_allowed(address: str, *, mode: str | None = None) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if (mode or _mode()) == LOOPBACK:
        return ip.is_loopback
    if isinstance(ip, ipaddress.IPv4Address):
        return _ipv4_allowed(ip)
    if ip in _NAT64_LOCAL:
        return False
    return ip.is_global and not ip.is_multicast and all(_ipv4_allowed(v4) for v4 in embedded_ipv4(ip))


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
