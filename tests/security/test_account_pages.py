"""allauth's account pages are never cached; the password asked before a contact-point change is
rate-limited per account, as the sign-in page is."""

import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import rate_limits as rate_limits_module
from preferences.domain import ContactPointKind
from preferences.models import ContactPoint
from tests.conftest import PASSWORD, make_customer_user
from tests.security.test_access_matrix import _client, world  # noqa: F401 (fixture)
from tests.security.urlconf import path_for, routes_all

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_allauth_page_says_no_store_to_every_caller(world):  # noqa: F811
    routes = [route for route in routes_all() if route.name.startswith(("account_", "mfa_"))]
    assert len(routes) > 20
    failures = []
    for caller in ("anonymous", "customer_a", "supervisor"):
        client, _headers = _client(world, caller)
        for route in routes:
            path = path_for(world, route)
            response = client.get(path)
            if not _no_store(response):
                failures.append(f"GET {path} as {caller} ({response.status_code}): {response.get('Cache-Control')!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"])
def test_the_pages_with_personal_data_are_shown_and_not_stored(world, path):  # noqa: F811
    client, _headers = _client(world, "customer_a")
    response = client.get(path)
    assert response.status_code == 200 and _no_store(response), response.get("Cache-Control")
    assert "private" in response["Cache-Control"]



def _add_phone(client: Client, password: str):
    return client.post(
        reverse("preferences:contact_point_add", args=["phone"]),
        {"value": "0612345678", "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_wrong_passwords_before_a_contact_point_change_are_limited_per_account(rate_limits):
    user, customer = make_customer_user("holder@example.com")
    other_user, _other = make_customer_user("other.holder@example.com")
    thief = Client()
    thief.force_login(user)  # a stolen session: the password is what stands in the way
    for _attempt in range(5):
        assert _add_phone(thief, "wrong-guess-123").status_code == 400
    refused = _add_phone(thief, PASSWORD)  # even the right password now
    assert refused.status_code == 429
    assert "Too many wrong passwords" in refused.content.decode()
    assert not ContactPoint.objects.filter(customer=customer, kind=ContactPointKind.PHONE).exists()
    # Removing is limited by the same count.
    email_point = ContactPoint.objects.get(customer=customer, kind=ContactPointKind.EMAIL)
    removal = thief.post(
        reverse("preferences:contact_point_remove", args=[email_point.pk]), {"password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert removal.status_code == 429 and ContactPoint.objects.filter(pk=email_point.pk).exists()
    # Another account, from the same place, is not locked.
    other = Client()
    other.force_login(other_user)
    assert _add_phone(other, PASSWORD).status_code == 302
    # Once the window has passed, the owner's right password works again.
    cache.clear()
    assert _add_phone(thief, PASSWORD).status_code == 302


def test_right_passwords_do_not_use_up_the_budget(rate_limits):
    user, customer = make_customer_user("busy@example.com")
    client = Client()
    client.force_login(user)
    for _attempt in range(4):
        assert _add_phone(client, "wrong-guess-123").status_code == 400
    for number in ("0612345671", "0612345672", "0612345673"):
        response = client.post(
            reverse("preferences:contact_point_add", args=["phone"]), {"value": number, "password": PASSWORD}
        )
        assert response.status_code == 302
    assert ContactPoint.objects.filter(customer=customer, kind=ContactPointKind.PHONE).count() == 3


def test_account_deletion_shares_the_wrong_password_limit(rate_limits):
    user, customer = make_customer_user("leaving@example.com")
    client = Client()
    client.force_login(user)
    for _attempt in range(5):
        assert _add_phone(client, "wrong-guess-123").status_code == 400
    response = client.post(reverse("privacy:account_delete"), {"password": PASSWORD, "confirmation": "x"})
    assert response.status_code == 429
    customer.refresh_from_db()
    assert customer.user.is_active


WAIT = {
    "en": "Too many wrong passwords. Wait {minutes} minutes, then try again.",
    "fr": "Trop de mots de passe erronés. Attendez {minutes} minutes, puis réessayez.",
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_refusal_says_how_long_to_wait(rate_limits, monkeypatch, language):
    """The limit in force ("confirm_password_failed": 5 per 5 minutes per account) says how long: the
    whole window just after the fifth wrong password, what is left of it later."""
    user, _customer = make_customer_user("holder@example.com")
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    for _attempt in range(5):
        _add_phone(client, "wrong-guess-123")
    refused = _add_phone(client, PASSWORD)
    assert refused.status_code == 429
    assert WAIT[language].format(minutes=5) in refused.content.decode()
    later = time.time() + 150  # two and a half minutes later: three minutes are enough
    monkeypatch.setattr(rate_limits_module, "time", SimpleNamespace(time=lambda: later))
    refused = _add_phone(client, PASSWORD)
    assert refused.status_code == 429
    assert WAIT[language].format(minutes=3) in refused.content.decode()
