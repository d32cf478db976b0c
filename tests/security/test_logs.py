"""No secret or token in the logs: what the configured handlers write during an API call with a key,
one-click and confirmation links (including refused ones, which Django logs with their path), a
password reset and a failed sign-in never holds the key, the token, the reset key or a password."""

import io
import logging
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.services import api_client_create
from common.log_filters import REDACTED, SecretRedactingFilter, redact
from links.models import LinkPurpose, OneClickLink
from links.tokens import token_for
from notifications.models import OutboundMessage
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.conftest import PASSWORD, make_customer_user
from tests.links.conftest import unsubscribe_path

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-Pass-2026"


@pytest.fixture
def log_output():
    """What the project's own log handlers (portal.settings.base.LOGGING) write, as text."""
    handlers = {
        handler
        for logger in (logging.getLogger(), logging.getLogger("django.server"))
        for handler in logger.handlers
        if any(isinstance(f, SecretRedactingFilter) for f in handler.filters)
    }
    assert handlers, "LOGGING has no handler with the secret-redacting filter"
    buffer = io.StringIO()
    previous = {handler: handler.setStream(buffer) for handler in handlers}
    yield buffer
    for handler, stream in previous.items():
        handler.setStream(stream)


def test_an_api_key_never_reaches_the_logs(log_output, client):
    _user, customer = make_customer_user("camille@example.com")
    _api_client, key = api_client_create(name="crm", scopes=["customers:read"])
    assert client.get(f"/api/v1/customers/{customer.pk}", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    kind, hex_id, secret = key.split("_", 2)
    prefix = f"{kind}_{hex_id}"
    forged = f"{prefix}_{'x' * len(secret)}"
    assert client.get(f"/api/v1/customers/{customer.pk}", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    # Even code that logs a key by mistake (or an exception text holding it) writes only its prefix.
    logging.getLogger("api").warning("Refused key %s (Authorization: Bearer %s)", key, key)
    text = log_output.getvalue()
    assert "Unauthorized: /api/v1/customers/" in text  # Django did log the refusal
    assert secret not in text and "x" * len(secret) not in text
    assert f"{prefix}_{REDACTED}" in text


def test_one_click_tokens_never_reach_the_logs(log_output, settings):
    _user, customer = make_customer_user("camille@example.com")
    settings.ONE_CLICK_RATE_LIMIT_PER_MINUTE = 1
    path, link = unsubscribe_path(customer)
    token = path.split("/")[2]
    mail_client = Client(enforce_csrf_checks=True)
    body = "List-Unsubscribe=One-Click"
    form = "application/x-www-form-urlencoded"
    assert mail_client.post(path, body, content_type=form).status_code == 200
    assert mail_client.post(path, body, content_type=form).status_code == 429  # logged with its path
    settings.ONE_CLICK_RATE_LIMIT_PER_MINUTE = 100
    OneClickLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert mail_client.post(path, body, content_type=form, REMOTE_ADDR="198.51.100.2").status_code == 410
    text = log_output.getvalue()
    assert "/unsubscribe/[redacted]/" in text
    assert token not in text and token.split(".")[0] not in text


def test_confirmation_tokens_never_reach_the_logs(log_output, settings):
    """A double opt-in confirmation link (/confirm/<token>/) is as secret as an unsubscribe link."""
    _user, customer = make_customer_user("camille@example.com")
    api = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=api)
    link = OneClickLink.objects.get(customer=customer, purpose=LinkPurpose.CONFIRM)
    token = token_for(link.public_id)
    path = f"/confirm/{token}/"
    mail_client = Client(enforce_csrf_checks=True)
    settings.ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE = 1
    assert mail_client.get(path).status_code == 200
    assert mail_client.get(path).status_code == 429  # logged with its path
    settings.ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE = 100
    OneClickLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert mail_client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded").status_code == 410
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {path} HTTP/1.1", "200", "0", extra={"status_code": 200})
    text = log_output.getvalue()
    assert "/confirm/[redacted]/" in text
    assert token not in text and token.split(".")[0] not in text


def test_a_password_reset_key_and_passwords_never_reach_the_logs(log_output):
    make_customer_user("camille@example.com")
    client = Client()
    client.post(reverse("account_login"), {"login": "camille@example.com", "password": "wrong-" + PASSWORD})
    client.post(reverse("account_reset_password"), {"email": "camille@example.com"})
    mail_body = OutboundMessage.objects.filter(to="camille@example.com").latest("id").body
    key_path = re.search(r"(/accounts/password/reset/key/[^\s]+/)", mail_body).group(1)
    response = client.get(key_path)
    assert response.status_code == 302
    set_password_path = response["Location"]
    response = client.post(set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    # runserver (django.server) logs every request line, path included.
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {key_path} HTTP/1.1", "302", "0", extra={"status_code": 302})
    text = log_output.getvalue()
    reset_key = key_path.rstrip("/").rsplit("/", 1)[1]
    assert "/password/reset/key/[redacted]" in text
    assert reset_key not in text
    assert NEW_PASSWORD not in text and PASSWORD not in text


def test_the_redaction_rules():
    assert redact("GET /unsubscribe/AbC-12_x.sIgNaTuRe/ HTTP/1.1") == "GET /unsubscribe/[redacted]/ HTTP/1.1"
    assert redact("Gone: /confirm/AbC-12_x.sIgNaTuRe/") == "Gone: /confirm/[redacted]/"
    assert redact("https://example.com/confirm/AbC-12_x.sIgNaTuRe/?x=1") == "https://example.com/confirm/[redacted]/?x=1"
    # allauth's code pages end in /confirm/ and carry no secret: left as they are.
    assert redact("POST /accounts/login/code/confirm/ HTTP/1.1") == "POST /accounts/login/code/confirm/ HTTP/1.1"
    assert redact("Bad Request: /accounts/reauthenticate/code/confirm/?next=/my/") == (
        "Bad Request: /accounts/reauthenticate/code/confirm/?next=/my/"
    )
    assert redact("Not Found: /accounts/password/reset/key/3-abc-def/") == "Not Found: /accounts/password/reset/key/[redacted]/"
    assert redact("key cpp_0123abcd_SeCrEt-_x") == "key cpp_0123abcd_[redacted]"
    assert redact("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == "secret whsec_[redacted]"
    assert redact("Authorization: Bearer abc.def") == "Authorization: Bearer [redacted]"
    assert redact("Nothing secret: /my/topics/") == "Nothing secret: /my/topics/"
