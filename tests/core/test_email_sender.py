"""Every email comes from the site's address (DEFAULT_FROM_EMAIL) under a name in the language it is
written in (EMAIL_FROM_NAMES): an English email no longer comes from "Portail préférences"."""

import json
import os
import subprocess
import sys
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from notifications.models import OutboundMessage
from notifications.sender import email_sender
from preferences.contact_points import contact_point_add
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from tests.conftest import PASSWORD, make_customer_user

pytestmark = pytest.mark.django_db

SENDER = {"fr": "Portail préférences <no-reply@example.com>", "en": "Preferences portal <no-reply@example.com>"}
ROOT = Path(__file__).resolve().parents[2]


def _from_header(message) -> str:
    """The From header as the recipient's mail program shows it (a non-ASCII name is encoded when sent)."""
    return str(make_header(decode_header(message.message()["From"])))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_allauth_emails_come_from_the_name_in_their_language(client, language, django_capture_on_commit_callbacks):
    client.cookies["django_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD})
    [message] = mail.outbox
    assert message.from_email == SENDER[language]
    assert _from_header(message) == SENDER[language]
    assert OutboundMessage.objects.get(to="new@example.com").from_address == SENDER[language]


@pytest.mark.parametrize(("language", "page_language"), [("fr", "en"), ("en", "fr")])
def test_our_emails_come_from_the_name_in_the_customers_language(language, page_language, django_capture_on_commit_callbacks):
    """The email is written in the customer's language, whatever the language active when it is queued
    (a member of staff's, a worker's): its sender's name too."""
    _user, customer = make_customer_user("camille@example.com", language=language)
    with django_capture_on_commit_callbacks(execute=True), translation.override(page_language):
        contact_point_add(
            customer_id=customer.pk,
            kind=ContactPointKind.EMAIL,
            value="camille.work@example.com",
            context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
        )
    [message] = mail.outbox
    assert message.to == ["camille.work@example.com"]
    assert message.from_email == SENDER[language]
    assert _from_header(message) == SENDER[language]


def test_the_names_and_the_address_are_settings(settings):
    settings.DEFAULT_FROM_EMAIL = "contact@acme.example"
    settings.EMAIL_FROM_NAMES = {"fr": "ACME, vos préférences", "en": "ACME preferences"}
    assert email_sender("fr") == '"ACME, vos préférences" <contact@acme.example>'  # quoted: a comma
    assert email_sender("en-gb") == "ACME preferences <contact@acme.example>"
    assert email_sender("de") == '"ACME, vos préférences" <contact@acme.example>'  # the site's default language
    settings.EMAIL_FROM_NAMES = {}
    assert email_sender("en") == "contact@acme.example"
    settings.DEFAULT_FROM_EMAIL = "ACME <contact@acme.example>"
    assert email_sender("en") == "ACME <contact@acme.example>"


def _settings_from_environment(**environment: str) -> dict:
    """DEFAULT_FROM_EMAIL and EMAIL_FROM_NAMES as portal/settings/base.py reads them from this environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DEFAULT_FROM_EMAIL", "EMAIL_FROM_NAME", "SITE_NAME"))
    }
    code = "import json; from portal.settings import base; print(json.dumps([base.DEFAULT_FROM_EMAIL, base.EMAIL_FROM_NAMES]))"
    output = subprocess.run(
        [sys.executable, "-c", code], env={**env, **environment}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    address, names = json.loads(output.stdout)
    return {"address": address, "names": names}


def test_a_deployment_that_sets_default_from_email_keeps_its_sender():
    assert _settings_from_environment() == {
        "address": "no-reply@example.com",
        "names": {"fr": "Portail préférences", "en": "Preferences portal"},
    }
    # A name written in DEFAULT_FROM_EMAIL is the deployment's one name, in every language...
    assert _settings_from_environment(DEFAULT_FROM_EMAIL="Acme <no-reply@acme.example>") == {
        "address": "Acme <no-reply@acme.example>",
        "names": {"fr": "Acme", "en": "Acme"},
    }
    # ...unless it names the sender per language.
    assert _settings_from_environment(
        DEFAULT_FROM_EMAIL="Acme <no-reply@acme.example>", EMAIL_FROM_NAME_EN="Acme preferences"
    )["names"] == {"fr": "Acme", "en": "Acme preferences"}
    # A deployment that names its site sends under that name (every email greets and signs with it)...
    assert _settings_from_environment(SITE_NAME="ACME Préférences")["names"] == {
        "fr": "ACME Préférences",
        "en": "ACME Préférences",
    }
    # ...unless it names the sender itself.
    assert _settings_from_environment(SITE_NAME="ACME", DEFAULT_FROM_EMAIL="Acme Mail <no-reply@acme.example>")[
        "names"
    ] == {"fr": "Acme Mail", "en": "Acme Mail"}
    assert _settings_from_environment(SITE_NAME="ACME", EMAIL_FROM_NAME_EN="ACME preferences")["names"] == {
        "fr": "ACME",
        "en": "ACME preferences",
    }
    # A bare address takes the default names.
    assert _settings_from_environment(DEFAULT_FROM_EMAIL="hello@acme.example")["names"] == {
        "fr": "Portail préférences",
        "en": "Preferences portal",
    }
