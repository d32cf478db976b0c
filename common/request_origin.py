"""Where a request comes from, as the consent ledger records it: the client's truncated address and
its user agent. Surfaces read the request here and hand plain values to the services."""

import ipaddress
from typing import TypedDict

from common.client_ip import client_ip

USER_AGENT_MAX_LENGTH = 300  # ConsentEvent.user_agent


class RequestOrigin(TypedDict):
    ip_truncated: str
    user_agent: str


def ip_truncate(address: str) -> str:
    """Keep only the network part of an address: /24 for IPv4, /48 for IPv6 (CNIL's advice)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def request_origin(request) -> RequestOrigin:
    """The origin of a request, as keyword arguments of a preferences ChangeContext."""
    return RequestOrigin(
        ip_truncated=ip_truncate(client_ip(request)),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
    )
