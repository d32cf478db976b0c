"""Sign-up must not tell, by its answer or its time, whether an email address has an account.

Measured here (2 shared cores, PBKDF2 with Django 5.2's 1,000,000 iterations, 5 runs each): before,
a known address answered in a median 5 ms and a new one in 199 ms (the new account's password hash);
after, 242 ms and 267 ms. Both paths now hash the submitted password once (accounts/forms.py)."""

import statistics
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import OutboundMessage
from tests.conftest import make_customer_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-Long-pass-2026x"


class CountingHasher(PBKDF2PasswordHasher):
    """The real PBKDF2 hasher, counting how many passwords it hashes."""

    iterations = 1000  # the structural test counts; the timing test uses the real hasher
    hashed = 0

    def encode(self, password, salt, iterations=None):
        CountingHasher.hashed += 1
        return super().encode(password, salt, iterations)


def _signup(email: str):
    return Client().post(
        reverse("account_signup"), {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


def test_a_known_and_a_new_address_get_the_same_answer_and_hash_one_password_each(settings):
    settings.PASSWORD_HASHERS = ["tests.security.test_signup_timing.CountingHasher"]
    make_customer_user("known@example.com")
    users = User.objects.count()

    CountingHasher.hashed = 0
    known = _signup("known@example.com")
    known_hashes = CountingHasher.hashed
    assert User.objects.count() == users  # no second account, and the owner's password is untouched
    assert User.objects.get(email="known@example.com").check_password("correct-horse-battery-9")

    CountingHasher.hashed = 0
    new = _signup("new.person@example.com")
    new_hashes = CountingHasher.hashed
    assert User.objects.count() == users + 1

    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert known_hashes == new_hashes == 1
    # Each address is sent one mail (the known one: "you already have an account"), both queued.
    assert OutboundMessage.objects.filter(to__icontains="known@example.com").count() == 1
    assert OutboundMessage.objects.filter(to__icontains="new.person@example.com").count() == 1


def test_a_known_and_a_new_address_take_about_the_same_time_with_the_real_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    make_customer_user("known@example.com")
    _signup("warm-up@example.com")  # first-request costs (templates, password lists) on neither side
    known, new = [], []
    for attempt in range(5):  # alternated, so that a busy moment of the machine hits both
        for email, times in (("known@example.com", known), (f"new{attempt}@example.com", new)):
            started = time.perf_counter()
            assert _signup(email).status_code == 302
            times.append(time.perf_counter() - started)
    ratio = statistics.median(known) / statistics.median(new)
    # Before the fix the ratio was 0.03 (5 ms against 199 ms).
    assert 0.5 < ratio < 2, f"known {sorted(known)}, new {sorted(new)}"
