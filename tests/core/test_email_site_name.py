"""Every email greets and signs with the site's name (SITE_NAME, or the translated default) and its
address, never with the host name allauth would take from the request ("c'est 127.0.0.1:8101 !")."""

from pathlib import Path

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from preferences.contact_points import contact_point_add
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GREETING = {
    "fr": "Bonjour, ce message vous est envoyé par «\u00a0{name}\u00a0».",
    "en": "Hello, this message comes from “{name}”.",
}
DEFAULT_NAME = {"fr": "Vos préférences de contact", "en": "Your contact preferences"}
EMAIL_TEMPLATES = sorted(
    str(path.relative_to(Path("templates")))
    for path in Path("templates").glob("*/email/*.txt")
    if not str(path).startswith("templates/account")
)


def _assert_named(body: str, name: str, language: str, site_url: str) -> None:
    assert GREETING[language].format(name=name) in body, body
    assert f"-- \n{name}\n{site_url}" in body, body
    greeting, signature = body.splitlines()[0], body.rsplit("-- ", 1)[1]
    assert "testserver" not in greeting + signature and "c'est" not in body


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_sign_up_verification_email_names_the_site(client, settings, language, django_capture_on_commit_callbacks):
    settings.SITE_URL = "http://127.0.0.1:8101"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    [message] = mail.outbox
    _assert_named(message.body, DEFAULT_NAME[language], language, "http://127.0.0.1:8101")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_site_name_setting_is_used_in_allauth_and_our_own_emails(
    client, customer_user, settings, language, django_capture_on_commit_callbacks
):
    settings.SITE_NAME = "ACME Préférences"
    settings.SITE_URL = "https://preferences.example.com/"
    _user, customer = customer_user
    customer.language = language
    customer.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "camille@example.com"}, HTTP_ACCEPT_LANGUAGE=language)
        contact_point_add(
            customer_id=customer.pk,
            kind=ContactPointKind.EMAIL,
            value="camille.work@example.com",
            context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
        )
    assert len(mail.outbox) == 2, [message.subject for message in mail.outbox]
    for message in mail.outbox:
        _assert_named(message.body, "ACME Préférences", language, "https://preferences.example.com")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_every_email_of_ours_signs_with_the_site_name(settings, template, language):
    settings.SITE_URL = "http://127.0.0.1:8101"
    with translation.override(language):
        body = render_to_string(template, {"days": 7, "rows": [], "items": []})
    assert f"-- \n{DEFAULT_NAME[language]}\nhttp://127.0.0.1:8101" in body, body


def test_the_page_header_shows_the_site_name(client, settings):
    assert "Vos préférences de contact</a>" in client.get("/").content.decode()
    settings.SITE_NAME = "ACME Préférences"
    assert "ACME Préférences</a>" in client.get("/").content.decode()
