"""Sign-in hardening: rate limits on passwords and codes, sessions renewed when who you are changes.

The test settings switch allauth's rate limits off (ACCOUNT_RATE_LIMITS = False) so that other tests
may sign in freely; these tests switch the production limits back on and empty the cache.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from notifications.models import OutboundMessage
from preferences.domain import ContactPointKind
from preferences.models import ContactPoint
from tests.conftest import PASSWORD, make_customer_user, make_staff_user
from tests.core.test_accounts import totp_now

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-Pass-2026"



def _login(client: Client, email: str, password: str, address: str = "203.0.113.5"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def _anonymous_session(client: Client) -> str:
    """A session that exists before signing in (what a session-fixation attacker would plant)."""
    session = client.session
    session["planted"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    return session.session_key


# --- Rate limits --------------------------------------------------------------------------------


def test_repeated_failures_lock_the_account_even_for_the_right_password(rate_limits):
    make_customer_user("victim@example.com")
    make_customer_user("bystander@example.com")
    attacker = Client()
    for _attempt in range(5):
        response = _login(attacker, "victim@example.com", "wrong-password-123")
        assert response.status_code == 200 and not _signed_in(attacker)
    # The limit is per account ("5/5m/key"): the owner, from another address, is refused too.
    owner = Client()
    response = _login(owner, "victim@example.com", PASSWORD, address="198.51.100.20")
    assert not _signed_in(owner)
    assert "Trop de tentatives" in response.content.decode() or "Too many" in response.content.decode()
    # Other accounts are not locked.
    other = Client()
    _login(other, "bystander@example.com", PASSWORD, address="198.51.100.21")
    assert _signed_in(other)
    # Once the window has passed (its counters expired), the right password works again.
    cache.clear()
    _login(owner, "victim@example.com", PASSWORD, address="198.51.100.20")
    assert _signed_in(owner)


LOCKED = {
    "en": "Too many failed sign-in attempts. Wait {minutes} minutes, then try again.",
    "fr": "Trop de tentatives de connexion échouées. Attendez {minutes} minutes, puis réessayez.",
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_locked_sign_in_says_how_long_to_wait(rate_limits, language):
    """From the limit in force ("login_failed": 5 per 5 minutes per address typed), the same for an
    address that has no account."""
    make_customer_user("victim@example.com")
    for email in ("victim@example.com", "nobody@example.com"):
        client = Client()
        client.cookies["django_language"] = language
        for _attempt in range(5):
            _login(client, email, "wrong-password-123")
        response = _login(client, email, PASSWORD)
        assert not _signed_in(client)
        assert LOCKED[language].format(minutes=5) in response.content.decode()


def test_a_successful_sign_in_does_not_reset_the_failure_count(rate_limits):
    """allauth rolls back only its own attempt on success: an attacker who also knows one good
    password cannot interleave successful sign-ins to keep guessing."""
    make_customer_user("victim@example.com")
    client = Client()
    for _attempt in range(4):
        _login(client, "victim@example.com", "wrong-password-123")
    _login(Client(), "victim@example.com", PASSWORD)
    _login(client, "victim@example.com", "wrong-password-123")
    owner = Client()
    _login(owner, "victim@example.com", PASSWORD)
    assert not _signed_in(owner)


def test_totp_codes_are_rate_limited(rate_limits):
    make_staff_user("agent@example.com", "agent")
    client = Client()
    response = _login(client, "agent@example.com", PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    for _attempt in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert not _signed_in(client)


def _login_code(email: str) -> str:
    body = OutboundMessage.objects.filter(to=email).latest("id").body
    return re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", body).group(1)


def test_a_login_code_stops_working_after_three_wrong_entries(rate_limits):
    make_customer_user("camille@example.com")
    client = Client()
    client.post(reverse("account_request_login_code"), {"email": "camille@example.com"})
    code = _login_code("camille@example.com")
    for _attempt in range(3):
        client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert not _signed_in(client)


def test_login_codes_can_be_asked_for_only_a_few_times_a_minute(rate_limits):
    make_customer_user("camille@example.com")
    for _attempt in range(4):
        Client().post(reverse("account_request_login_code"), {"email": "camille@example.com"})
    assert OutboundMessage.objects.filter(to="camille@example.com").count() == 3  # "3/m/key"


def test_a_contact_point_code_stops_working_after_five_wrong_entries(client):
    user, customer = make_customer_user("camille@example.com")
    client.force_login(user)
    client.post(reverse("preferences:contact_point_add", args=["phone"]), {"value": "06 12 34 56 78", "password": PASSWORD})
    point = ContactPoint.objects.get(customer=customer, kind=ContactPointKind.PHONE)
    code = re.search(r"(\d{6})", OutboundMessage.objects.filter(channel="sms").latest("id").body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    verify = reverse("preferences:contact_point_verify", args=[point.pk])
    for _attempt in range(5):
        assert client.post(verify, {"code": wrong}).status_code == 400
    response = client.post(verify, {"code": code})
    assert response.status_code == 400
    point.refresh_from_db()
    assert point.verified_at is None


# --- Sessions renewed ---------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_and_ends_the_planted_one():
    make_customer_user("camille@example.com")
    client = Client()
    planted = _anonymous_session(client)
    _login(client, "camille@example.com", PASSWORD)
    assert _signed_in(client)
    assert _session_key(client) != planted
    assert not Session.objects.filter(session_key=planted).exists()


def test_staff_sign_in_renews_the_session_at_each_step():
    make_staff_user("agent@example.com", "agent")
    client = Client()
    planted = _anonymous_session(client)
    _login(client, "agent@example.com", PASSWORD)
    client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert _signed_in(client)
    assert _session_key(client) != planted
    assert not Session.objects.filter(session_key=planted).exists()


def test_a_password_change_renews_the_session_and_ends_the_others():
    user, _customer = make_customer_user("camille@example.com")
    here, elsewhere = Client(), Client()
    _login(here, user.email, PASSWORD)
    _login(elsewhere, user.email, PASSWORD)
    before = _session_key(here)
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _session_key(here) != before and _signed_in(here)
    assert not Session.objects.filter(session_key=before).exists()
    # The other device's session no longer authenticates (its password hash is stale).
    assert elsewhere.get(reverse("preferences:overview"))["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db(transaction=True)  # allauth signals a new authenticator on commit, as in production
def test_setting_up_and_removing_totp_renews_the_session():
    user = make_staff_user("agent@example.com", "agent", with_totp=False)
    client = Client()
    _login(client, user.email, PASSWORD)
    assert _signed_in(client)
    # The sign-in just completed counts as a recent confirmation: the set-up opens at once.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    before = _session_key(client)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302, response.content
    after_activation = _session_key(client)
    assert after_activation != before and _signed_in(client)
    assert not Session.objects.filter(session_key=before).exists()
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert _session_key(client) != after_activation and _signed_in(client)


def test_the_email_of_a_locked_account_is_not_revealed(rate_limits):
    """The refusal reads the same for an unknown address: no account enumeration by lock-out."""
    make_customer_user("victim@example.com")
    EmailAddress.objects.filter(email="victim@example.com").update(verified=True)
    known, unknown = Client(), Client()
    for _attempt in range(6):
        last_known = _login(known, "victim@example.com", "wrong-password-123")
        last_unknown = _login(unknown, "nobody@example.com", "wrong-password-123", address="203.0.113.9")
    assert last_known.status_code == last_unknown.status_code == 200
    assert not _signed_in(known) and not _signed_in(unknown)
