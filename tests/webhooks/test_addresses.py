"""SSRF guard: production accepts only HTTPS to public addresses; development and tests only loopback."""

import socket

import pytest

from webhooks.addresses import AddressRefused, address_allowed, target_resolve
from webhooks.services import WebhookError, webhook_endpoint_create


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
