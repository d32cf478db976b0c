"""SSRF guard: production accepts only HTTPS to public addresses; development and tests only loopback."""

import socket

import pytest

from webhooks.addresses import AddressRefused, address_allowed, target_resolve
from webhooks.endpoints import WebhookError, webhook_endpoint_create


def fake_dns(monkeypatch, *addresses: str):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.3.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",  # noqa: S104
     "240.0.0.1", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"],
)
def test_production_refuses_private_loopback_link_local_and_reserved_addresses(settings, monkeypatch, address):
    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    assert not address_allowed(address)
    fake_dns(monkeypatch, address)
    with pytest.raises(AddressRefused):
        target_resolve("https://hooks.example.com/in")


def test_production_accepts_https_to_a_public_address_and_refuses_plain_http(settings, monkeypatch):
    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    fake_dns(monkeypatch, "93.184.215.14")
    target = target_resolve("https://hooks.example.com/in?x=1")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https", "hooks.example.com", 443, "/in?x=1", "93.184.215.14"
    )
    with pytest.raises(AddressRefused):
        target_resolve("http://hooks.example.com/in")


def test_production_refuses_a_name_with_one_private_address_among_public_ones(settings, monkeypatch):
    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    fake_dns(monkeypatch, "93.184.215.14", "10.1.2.3")
    with pytest.raises(AddressRefused):
        target_resolve("https://hooks.example.com/in")


@pytest.mark.parametrize("address", ["93.184.215.14", "10.0.0.1", "192.168.1.1", "169.254.169.254", "2001:db8::1"])
def test_tests_and_development_refuse_anything_but_loopback(settings, monkeypatch, address):
    settings.WEBHOOK_ALLOWED_NETWORKS = "loopback"
    fake_dns(monkeypatch, address)
    with pytest.raises(AddressRefused):
        target_resolve("https://hooks.example.com/in")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8123/x", "https://127.0.0.2/x", "http://[::1]:9000/x", "http://localhost:9000/"])
def test_tests_and_development_accept_loopback_over_http_or_https(settings, url):
    settings.WEBHOOK_ALLOWED_NETWORKS = "loopback"
    assert target_resolve(url).address in ("127.0.0.1", "127.0.0.2", "::1")


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/x", "127.0.0.1/x", "http://user:pw@127.0.0.1/x", "http://127.0.0.1/x#frag", "http:///x", ""]
)
def test_malformed_urls_are_refused(settings, url):
    with pytest.raises(AddressRefused):
        target_resolve(url)


def test_registration_refuses_what_the_guard_refuses(db, settings, monkeypatch):
    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    fake_dns(monkeypatch, "169.254.169.254")
    with pytest.raises(WebhookError) as refused:
        webhook_endpoint_create(url="https://metadata.example.com/", event_types=["customer.created"])
    assert "url" in refused.value.message_dict


def test_delivery_time_check_catches_a_name_that_now_resolves_privately(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: the address is checked again at every attempt, and the connection goes to it."""
    from tests.webhooks.conftest import make_customer
    from webhooks.models import WebhookDelivery

    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    fake_dns(monkeypatch, "93.184.215.14")
    webhook_endpoint_create(url="https://hooks.example.com/in", event_types=["customer.created"])
    fake_dns(monkeypatch, "127.0.0.1")
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_status_code is None
    assert delivery.last_error.startswith("refused:")


# IPv6 addresses that lead to an IPv4 address through a translator or a tunnel: the IPv4 address
# decides. Each form once with a loopback or private IPv4 (refused) and once with a public one.
EMBEDDED_REFUSED = {
    "NAT64 well-known prefix": "64:ff9b::7f00:1",  # 127.0.0.1
    "NAT64 to a private address": "64:ff9b::a00:1",  # 10.0.0.1
    "NAT64 to cloud metadata": "64:ff9b::a9fe:a9fe",  # 169.254.169.254
    "NAT64 local-use prefix": "64:ff9b:1::7f00:1",
    "6to4": "2002:7f00:1::",  # 127.0.0.1
    "6to4 private": "2002:c0a8:101::1",  # 192.168.1.1
    "IPv4-compatible": "::127.0.0.1",
    "IPv4-compatible private": "::10.0.0.1",
    "IPv4-translated": "::ffff:0:7f00:1",
    "IPv4-translated private": "::ffff:0:a00:1",
    "IPv4-mapped": "::ffff:127.0.0.1",
    "IPv4-mapped metadata": "::ffff:169.254.169.254",
    "Teredo, loopback client": "2001:0:4136:e378:8000:63bf:80ff:fffe",  # client 127.0.0.1
    "Teredo, private server": "2001:0:a00:1::1",  # server 10.0.0.1
    "ISATAP, loopback": "2606:4700::5efe:7f00:1",
    "ISATAP, private": "2606:4700::200:5efe:c0a8:101",
}
EMBEDDED_ACCEPTED = {
    "NAT64 to a public address": "64:ff9b::5db8:d70e",  # 93.184.215.14
    "IPv4-mapped public": "::ffff:93.184.215.14",
    "a plain global address": "2606:4700:4700::1111",
}


@pytest.mark.parametrize("address", list(EMBEDDED_REFUSED.values()), ids=list(EMBEDDED_REFUSED))
def test_production_refuses_ipv6_forms_that_embed_a_private_or_loopback_ipv4(settings, monkeypatch, address):
    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    assert not address_allowed(address)
    fake_dns(monkeypatch, address)
    with pytest.raises(AddressRefused):
        target_resolve("https://hooks.example.com/in")
    with pytest.raises(AddressRefused):
        target_resolve(f"https://[{address}]/in")


@pytest.mark.parametrize("address", list(EMBEDDED_ACCEPTED.values()), ids=list(EMBEDDED_ACCEPTED))
def test_production_accepts_ipv6_forms_that_lead_to_a_public_address(settings, monkeypatch, address):
    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    assert address_allowed(address)
    fake_dns(monkeypatch, address)
    assert target_resolve("https://hooks.example.com/in").address == address


def test_the_embedded_ipv4_of_each_form_is_found():
    import ipaddress

    from webhooks.addresses import embedded_ipv4

    def found(address: str) -> list[str]:
        return [str(v4) for v4 in embedded_ipv4(ipaddress.IPv6Address(address))]

    assert found("64:ff9b::7f00:1") == ["127.0.0.1"]
    assert found("2002:7f00:1::") == ["127.0.0.1"]
    assert found("::127.0.0.1") == ["127.0.0.1"]
    assert found("::ffff:0:7f00:1") == ["127.0.0.1"]
    assert found("::ffff:7f00:1") == ["127.0.0.1"]
    assert found("2001:0:4136:e378:8000:63bf:80ff:fffe") == ["65.54.227.120", "127.0.0.1"]
    assert found("2606:4700::5efe:7f00:1") == ["127.0.0.1"]
    assert found("2606:4700:4700::1111") == []


def test_registration_refuses_a_nat64_address_of_the_loopback(db, settings, monkeypatch):
    settings.WEBHOOK_ALLOWED_NETWORKS = "public"
    fake_dns(monkeypatch, "64:ff9b::7f00:1")
    with pytest.raises(WebhookError) as refused:
        webhook_endpoint_create(url="https://nat64.example.com/", event_types=["customer.created"])
    assert "url" in refused.value.message_dict
