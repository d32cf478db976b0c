"""Behind a load balancer: the client's address comes from X-Forwarded-For only through the trusted
proxies (common.client_ip), for every rate limit and the ledger; a forged header from anyone else is
ignored."""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from common.client_ip import client_ip
from common.request_origin import request_origin
from customer_pages.adapter import AccountAdapter
from portal.settings import base
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from tests.conftest import PASSWORD, make_customer_user
from tests.links.conftest import unsubscribe_path

BALANCER = "10.0.0.5"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


def _ip(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@pytest.fixture
def no_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = []
    return settings


@pytest.fixture
def one_balancer(settings):
    """One load balancer in 10.0.0.0/8, as the README's deploy section configures it."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    return settings


def test_without_trusted_proxies_the_header_is_ignored(no_proxy):
    assert _ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert _ip("203.0.113.7") == "203.0.113.7"
    assert _ip("not-an-address", "198.51.100.1") == ""


def test_the_balancer_s_hop_is_the_client_and_what_the_client_wrote_is_not(one_balancer):
    assert _ip(BALANCER, "198.51.100.1") == "198.51.100.1"
    # The client wrote "1.2.3.4" itself; the balancer appended the real address.
    assert _ip(BALANCER, "1.2.3.4, 198.51.100.1") == "198.51.100.1"
    assert _ip(BALANCER) == BALANCER  # a health check from the balancer itself
    assert _ip(BALANCER, "198.51.100.1:51234") == "198.51.100.1"
    assert _ip(BALANCER, "[2001:db8::1]:443") == "2001:db8::1"
    assert _ip(BALANCER, "garbage") == BALANCER  # never a key made of whatever was sent


def test_a_forged_header_from_an_untrusted_peer_is_ignored(one_balancer):
    # Straight to the web process, not through the balancer: the header is the client's own words.
    assert _ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert _ip("203.0.113.7", "10.0.0.9") == "203.0.113.7"


def test_networks_alone_skip_every_trusted_hop_and_no_more(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8", "fd00::/8"]
    assert _ip(BALANCER, "1.2.3.4, 198.51.100.1, 10.1.1.1") == "198.51.100.1"
    assert _ip("fd00::5", "198.51.100.1") == "198.51.100.1"
    # A client that writes a trusted-looking address before its own gets its own address.
    assert _ip(BALANCER, "10.9.9.9, 198.51.100.1") == "198.51.100.1"


def test_a_count_alone_skips_that_many_hops(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXY_NETWORKS = []
    assert _ip("192.0.2.10", "1.2.3.4, 198.51.100.1, 192.0.2.20") == "198.51.100.1"
    assert _ip("192.0.2.10", "198.51.100.1") == "198.51.100.1"  # fewer hops than proxies


def test_the_count_and_the_networks_must_both_agree(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    # The second hop is not in the networks: it is the client, whatever the count allows.
    assert _ip(BALANCER, "1.2.3.4, 198.51.100.1") == "198.51.100.1"
    assert _ip(BALANCER, "1.2.3.4, 198.51.100.1, 10.2.2.2") == "198.51.100.1"


def test_the_settings_read_the_environment(monkeypatch):
    import importlib

    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    monkeypatch.setenv("TRUSTED_PROXY_NETWORKS", "10.0.0.0/8, fd00::/8")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.TRUSTED_PROXY_COUNT == 1
        assert reloaded.TRUSTED_PROXY_NETWORKS == ["10.0.0.0/8", "fd00::/8"]
        monkeypatch.setenv("TRUSTED_PROXY_NETWORKS", "not-a-network")
        with pytest.raises(ValueError):
            importlib.reload(base)
    finally:
        monkeypatch.delenv("TRUSTED_PROXY_COUNT")
        monkeypatch.delenv("TRUSTED_PROXY_NETWORKS")
        importlib.reload(base)


def test_allauth_counts_the_client_not_the_balancer(one_balancer):
    request = RequestFactory().get("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    assert AccountAdapter(request).get_client_ip(request) == "198.51.100.1"


@pytest.mark.django_db
def test_failed_logins_behind_the_balancer_do_not_lock_every_visitor(one_balancer):
    one_balancer.ACCOUNT_RATE_LIMITS = dict(base.ACCOUNT_RATE_LIMITS)  # 20 failures / 5 min / ip
    cache.clear()
    make_customer_user("someone@example.com")
    attacker = Client()
    for attempt in range(21):
        # Other emails each time: the per-account limit is not what is tested.
        attacker.post(
            reverse("account_login"),
            {"login": f"nobody{attempt}@example.com", "password": "wrong-password-123"},
            REMOTE_ADDR=BALANCER,
            HTTP_X_FORWARDED_FOR=f"10.7.7.{attempt}, 198.51.100.66",  # the attacker varies its own part
        )
    locked = attacker.post(
        reverse("account_login"),
        {"login": "someone@example.com", "password": PASSWORD},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert "_auth_user_id" not in attacker.session and locked.status_code in (200, 429)
    visitor = Client()
    visitor.post(
        reverse("account_login"),
        {"login": "someone@example.com", "password": PASSWORD},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR="203.0.113.20",
    )
    assert "_auth_user_id" in visitor.session
    cache.clear()


@pytest.mark.django_db
def test_the_ledger_records_the_client_s_network_not_the_balancer_s(one_balancer, customer_user):
    _, customer = customer_user
    preferences_change(
        customer_id=customer.pk,
        changes={"subscription.offers.email": "in"},
        context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    )
    path, _link = unsubscribe_path(customer)
    Client().post(path, ONE_CLICK, content_type=FORM, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert ConsentEvent.objects.latest("id").ip_truncated == "203.0.113.0/24"


@pytest.mark.django_db
def test_a_forged_header_does_not_reach_the_ledger_or_escape_the_limit(one_balancer, customer_user):
    _, customer = customer_user
    one_balancer.ONE_CLICK_RATE_LIMIT_PER_MINUTE = 2
    path, _link = unsubscribe_path(customer)
    direct = "203.0.113.77"  # straight to the web process, not through the balancer
    for forged in ("198.51.100.1", "198.51.100.2"):
        assert Client().get(path, REMOTE_ADDR=direct, HTTP_X_FORWARDED_FOR=forged).status_code == 200
    assert Client().get(path, REMOTE_ADDR=direct, HTTP_X_FORWARDED_FOR="198.51.100.3").status_code == 429
    # Behind the balancer each visitor has a budget of their own.
    for _attempt in range(2):
        assert Client().get(path, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.10").status_code == 200
    assert Client().get(path, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.10").status_code == 429
    assert Client().get(path, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="198.51.100.11").status_code == 200
    preferences_change(
        customer_id=customer.pk,
        changes={"subscription.offers.email": "in"},
        context=ChangeContext(
            actor_type=ActorType.CUSTOMER,
            source=Source.PORTAL,
            **request_origin(RequestFactory().post("/", REMOTE_ADDR=direct, HTTP_X_FORWARDED_FOR="198.51.100.1")),
        ),
    )
    assert ConsentEvent.objects.latest("id").ip_truncated == "203.0.113.0/24"
