"""Accounts: sign-up with email verification, staff asked for TOTP, roles."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.urls import reverse

from accounts.models import User
from notifications.models import OutboundMessage
from preferences.models import ConsentEvent, ContactPoint, Customer
from tests.conftest import PASSWORD, TOTP_SECRET, make_staff_user

pytestmark = pytest.mark.django_db


def totp_now(secret: str = TOTP_SECRET) -> str:
    """The current code, never one about to expire: a code read at 29.9 s of its 30-second period
    and checked at 30.1 s would be refused, and the test would fail now and then."""
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_sign_up_creates_a_customer_and_sends_a_verification_code(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.groups.filter(name="customer").exists()
    customer = Customer.objects.get(user=user)
    assert customer.language == "en"
    point = ContactPoint.objects.get(customer=customer)
    assert point.value == "new@example.com" and point.verified_at is None
    assert ConsentEvent.objects.filter(customer=customer).exists()
    # The code went through the outbox and was sent (eager Celery in tests).
    message = OutboundMessage.objects.get(to="new@example.com")
    assert message.sent_at is not None
    assert len(mail.outbox) == 1


def test_email_verification_by_code_verifies_the_contact_point(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.M).group(1)
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    point = ContactPoint.objects.get(value="new@example.com")
    assert point.verified_at is not None


def test_a_failing_mail_server_does_not_lose_the_message_or_break_sign_up(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.core.failing_email.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
    assert response.status_code == 302
    message = OutboundMessage.objects.get(to="new@example.com")
    assert message.sent_at is None and message.attempts == 1 and "refused" in message.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from notifications.services import outbound_message_send

    outbound_message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.sent_at is not None


def test_staff_sign_in_asks_for_a_totp_code(client):
    make_staff_user("agent@example.com", "agent")
    response = client.post(reverse("account_login"), {"login": "agent@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user.is_authenticated


def test_staff_without_totp_are_sent_to_set_it_up_before_any_staff_page(client):
    user = make_staff_user("agent@example.com", "agent", with_totp=False)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_login_by_one_time_code_is_offered(client):
    response = client.get(reverse("account_request_login_code"))
    assert response.status_code == 200
