"""Signing in again just after signing up: allauth's cooldown on confirmation codes ("confirm_email",
one per address every three minutes) is told as what it is, never as failed sign-in attempts, and
never stands in the way of an account whose address is verified."""

import html
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, make_customer_user
from tests.security.test_auth_hardening import _login, _signed_in

pytestmark = pytest.mark.django_db



JUST_SENT = {
    "fr": "nous venons d’envoyer un code de confirmation à new@example.com",
    "en": "we have just sent a confirmation code to new@example.com",
}
MINUTES = {"fr": "reconnectez-vous dans 3 minutes", "en": "sign in again in 3 minutes"}


def _sign_up(django_capture_on_commit_callbacks, language: str = "fr") -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            reverse("account_signup"),
            {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=language,
            REMOTE_ADDR="203.0.113.5",
        )
    assert response.status_code == 302 and len(mail.outbox) == 1


def _errors(response) -> str:
    return html.unescape(
        " ".join(re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', response.content.decode(), re.S))
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_signing_in_again_within_the_cooldown_says_a_code_was_just_sent(
    rate_limits, language, django_capture_on_commit_callbacks
):
    _sign_up(django_capture_on_commit_callbacks, language)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"),
            {"login": "new@example.com", "password": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=language,
            REMOTE_ADDR="203.0.113.5",
        )
    errors = _errors(response)
    assert response.status_code == 200 and not _signed_in(client)
    assert JUST_SENT[language] in errors.lower() and MINUTES[language] in errors, errors
    assert "Trop de tentatives" not in errors and "Too many" not in errors
    assert len(mail.outbox) == 1  # no second code inside the cooldown


def test_a_wrong_password_within_the_cooldown_is_only_a_wrong_password(rate_limits, django_capture_on_commit_callbacks):
    _sign_up(django_capture_on_commit_callbacks)
    response = _login(Client(), "new@example.com", "wrong-password-123")
    errors = _errors(response)
    # Nothing about a code: that would tell a stranger the address has an account waiting.
    assert errors and "code" not in errors and "new@example.com" not in errors


def test_after_the_cooldown_signing_in_sends_a_new_code(rate_limits, django_capture_on_commit_callbacks):
    _sign_up(django_capture_on_commit_callbacks)
    cache.clear()  # the cooldown's counters expired
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = _login(client, "new@example.com", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 2


def test_a_verified_account_signs_in_again_and_again(rate_limits):
    make_customer_user("camille@example.com")
    for address in ("203.0.113.5", "203.0.113.5", "198.51.100.7"):
        client = Client()
        response = _login(client, "camille@example.com", PASSWORD, address=address)
        assert response.status_code == 302 and _signed_in(client), _errors(response)
