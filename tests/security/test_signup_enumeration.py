"""Sign-up, password reset and sign-in by code answer the same whether or not an address has an account,
within allauth's limits (ACCOUNT_RATE_LIMITS, production values) and beyond them; the limits still cap
the mails one address receives; and a limit reached reads as the site's own page, in the reader's
language, not as allauth's bare English "429 Too Many Requests"."""

import html
import re
import time
from types import SimpleNamespace

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.test import Client
from django.urls import reverse

from notifications.models import OutboundMessage
from tests.conftest import make_customer_user
from tests.core.error_summary import client_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-Long-pass-2026x"
KNOWN, NEW = "known@example.com", "new.person@example.com"



def _text(response, email: str) -> str:
    """The page as a person reads it (its <main>), the address typed replaced by a placeholder."""
    content = response.content.decode()
    main = re.search(r"<main.*?</main>", content, re.S)
    words = re.sub(r"<[^>]+>", " ", main.group(0) if main else content)
    return re.sub(r"\s+", " ", html.unescape(words)).replace(email, "<email>").strip()


def _answer(response, client: Client, email: str) -> tuple:
    """Status, where it leads, and the page shown there (with the message it carries)."""
    if response.status_code != 302:
        return response.status_code, None, _text(response, email)
    shown = client.get(response["Location"])
    return response.status_code, response["Location"], shown.status_code, _text(shown, email)


def _sign_up(email: str, language: str, address: str = "203.0.113.5") -> tuple:
    client = client_in(language)
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        REMOTE_ADDR=address,
    )
    return _answer(response, client, email)


def _mails_to(email: str) -> int:
    return OutboundMessage.objects.filter(to__icontains=email).count()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_second_sign_up_with_a_known_address_reads_as_a_new_address_does(rate_limits, language):
    """Before, the second sign-up within three minutes got allauth's 429 page, a new address the code page."""
    make_customer_user(KNOWN)
    first = _sign_up(KNOWN, language)
    second = _sign_up(KNOWN, language, address="198.51.100.7")
    new = _sign_up(NEW, language)
    assert first == second == new, (first, second, new)
    assert new[0] == 302 and new[2] == 200
    # The limit still holds: one "you already have an account" mail in three minutes, however many tries.
    for attempt in range(3):
        assert _sign_up(KNOWN, language, address=f"198.51.100.{20 + attempt}") == new
    assert _mails_to(KNOWN) == 1


def test_the_known_address_is_mailed_again_once_its_limit_has_passed(rate_limits, monkeypatch):
    make_customer_user(KNOWN)
    _sign_up(KNOWN, "fr")
    _sign_up(KNOWN, "fr")
    assert _mails_to(KNOWN) == 1
    later = time.time() + 3 * 60 + 1
    clock = SimpleNamespace(time=lambda: later, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(allauth_ratelimit, "time", clock)
    _sign_up(KNOWN, "fr")
    assert _mails_to(KNOWN) == 2


def test_the_code_page_after_a_limited_sign_up_accepts_no_code_and_logs_no_one_in(rate_limits):
    make_customer_user(KNOWN)
    _sign_up(KNOWN, "en")
    client = client_in("en")
    client.post(
        reverse("account_signup"), {"email": KNOWN, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    code = client.session["account_email_verification_code"]["code"]
    response = client.post(reverse("account_email_verification_sent"), {"action": "verify", "code": code})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


LIMIT_PAGE = {
    "fr": ("Trop de tentatives en peu de temps", "Attendez quelques minutes, puis réessayez."),
    "en": ("Too many attempts in a short time", "Wait a few minutes, then try again."),
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_limit_reached_is_the_sites_own_page_in_the_readers_language(rate_limits, language):
    """Sign-ups are limited per client address ("signup": 20 a minute): the 21st is refused."""
    for attempt in range(20):
        _sign_up(f"person{attempt}@example.com", language)
    client = client_in(language)
    refused = client.post(
        reverse("account_signup"),
        {"email": "one.more@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        REMOTE_ADDR="203.0.113.5",
    )
    assert refused.status_code == 429
    content = refused.content.decode()
    assert "Too Many Requests" not in content
    assert f'<html lang="{language}"' in content
    heading, advice = LIMIT_PAGE[language]
    assert heading in content and advice in content
    assert 'id="error-home"' in content  # the site's layout, with a way out


def _reset(email: str, language: str, address: str) -> tuple:
    client = client_in(language)
    return _answer(client.post(reverse("account_reset_password"), {"email": email}, REMOTE_ADDR=address), client, email)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_password_reset_answers_a_known_and_an_unknown_address_alike_within_and_beyond_its_limit(
    rate_limits, language
):
    """"reset_password": 3 per address every 15 minutes: the fourth is refused, for both alike."""
    make_customer_user(KNOWN)
    answers = {}
    for email in (KNOWN, "nobody@example.com"):
        answers[email] = [_reset(email, language, f"198.51.100.{attempt}") for attempt in range(4)]
    known, unknown = answers[KNOWN], answers["nobody@example.com"]
    assert known == unknown, (known, unknown)
    assert known[0][0] == 302 and known[3][0] == 429
    assert LIMIT_PAGE[language][0] in known[3][2]
    assert _mails_to(KNOWN) == 3  # no more than the limit


def _request_code(email: str, language: str, address: str) -> tuple:
    client = client_in(language)
    response = client.post(reverse("account_request_login_code"), {"email": email}, REMOTE_ADDR=address)
    return _answer(response, client, email)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_sign_in_by_code_answers_a_known_and_an_unknown_address_alike_within_and_beyond_its_limit(
    rate_limits, language
):
    """"request_login_code": 3 per address a minute: the fourth is refused, for both alike."""
    make_customer_user(KNOWN)
    known = [_request_code(KNOWN, language, f"198.51.100.{attempt}") for attempt in range(4)]
    unknown = [_request_code("nobody@example.com", language, f"198.51.100.{attempt}") for attempt in range(4)]
    assert known == unknown, (known, unknown)
    assert known[0][0] == 302 and known[3][0] == 200  # the form, with its error
    assert _mails_to(KNOWN) == 3
