"""The visitor's address, the one helper every rate limit and the ledger's truncated IP use.

Behind a load balancer `REMOTE_ADDR` is the balancer: every visitor would share one budget and the
ledger would record the balancer. `X-Forwarded-For` names the visitor, but anyone can send it, so it
is read only through proxies this deployment trusts (settings, from the environment):

- TRUSTED_PROXY_NETWORKS: the networks the proxies are in ("10.0.0.0/8,fd00::/8"). The peer must be
  in one of them for the header to be read at all; then hops are skipped from the right while they
  are in these networks, and the first hop that is not is the client.
- TRUSTED_PROXY_COUNT: how many proxies stand in front (1 for one load balancer); at most that many
  hops are skipped, whatever their address. With both set, a hop is skipped only when it is within
  the count and in the networks.

With neither (the default) the header is ignored and the client is `REMOTE_ADDR`. Hops to the left
of the client are whatever the client sent: never read.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(specs: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXY_NETWORKS: {error}") from None


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a proxy writes it: bare, `[v6]`, `[v6]:port` or `v4:port`; None if it is none."""
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_ip(request) -> str:
    """The client's address as a string, or "" when the peer's own address is missing or not one."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXY_NETWORKS", ()) or ()))
    if count <= 0 and not networks:
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()] if forwarded else []
    client, skipped = peer, 0
    while hops:
        if count > 0 and skipped >= count:
            break
        if networks and not any(client in network for network in networks):
            break
        previous = _parse(hops.pop())
        if previous is None:  # not an address: a trusted proxy would not write that; stop here
            break
        client, skipped = previous, skipped + 1
    return str(client)
