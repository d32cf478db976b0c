"""The account emails django-allauth sends (an account that already exists, an unknown address, a
sign-in code, a new password) read as the portal's own, in French and in English: sentence-case
subjects, whole paragraphs (allauth's French "account already exists" was cut mid-sentence at 80
columns), one spelling of e-mail, and links that open the right page."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# allauth builds its links from the request's host (ALLOWED_HOSTS and the proxy's X-Forwarded-Proto in
# production), the test client's here.
REQUEST_SITE = "http://testserver"
NAME = {"fr": "Vos préférences de contact", "en": "Your contact preferences"}


def _send(client, language: str, url_name: str, data: dict, capture) -> mail.EmailMessage:
    client.cookies["django_language"] = language
    with capture(execute=True):
        client.post(reverse(url_name), data)
    [message] = mail.outbox
    return message


def _paragraphs(body: str) -> list[str]:
    """The message between the greeting and the signature, one entry per paragraph."""
    content = body.split("\n\n", 1)[1].rsplit("\n\n-- \n", 1)[0]
    return [paragraph for paragraph in content.split("\n\n") if paragraph.strip()]


def _assert_reads_well(body: str, language: str) -> None:
    for paragraph in _paragraphs(body):
        assert "\n" not in paragraph, paragraph  # no line cut in the middle of a sentence
    if language == "fr":
        assert not re.search(r"\bemail\b", body), body  # "e-mail", as everywhere on the site
        assert "'" not in body and " :" not in body and " ?" not in body, body


EXPECTED = {
    ("fr", "exists"): (
        "Vous avez déjà un compte",
        [
            "Quelqu’un, peut-être vous, vient d’essayer de créer un compte sur «\u00a0{name}\u00a0» avec cette "
            "adresse e-mail, camille@example.com. Vous avez déjà un compte avec elle.",
            "Si vous avez oublié votre mot de passe, choisissez-en un nouveau ici\u00a0: {site}/accounts/password/reset/",
            "Si ce n’était pas vous, ignorez ce message\u00a0: rien ne change sur votre compte.",
        ],
    ),
    ("en", "exists"): (
        "You already have an account",
        [
            "Someone, perhaps you, just tried to create an account on “{name}” with this email address, "
            "camille@example.com. You already have an account with it.",
            "If you forgot your password, choose a new one here: {site}/accounts/password/reset/",
            "If it was not you, ignore this message: nothing changes on your account.",
        ],
    ),
    ("fr", "unknown"): (
        "Aucun compte avec cette adresse e-mail",
        [
            "Quelqu’un, peut-être vous, vient d’essayer de se connecter à «\u00a0{name}\u00a0», ou de choisir un "
            "nouveau mot de passe, avec cette adresse e-mail, nobody@example.com. Aucun compte n’existe avec elle.",
            "Si c’était vous, vous vous êtes peut-être inscrit avec une autre adresse. Ou créez un compte "
            "ici\u00a0: {site}/accounts/signup/",
            "Si ce n’était pas vous, ignorez ce message.",
        ],
    ),
    ("en", "unknown"): (
        "No account with this email address",
        [
            "Someone, perhaps you, just tried to sign in to “{name}”, or to choose a new password, with this email "
            "address, nobody@example.com. There is no account with it.",
            "If it was you, you may have signed up with another address. Or create an account here: {site}/accounts/signup/",
            "If it was not you, ignore this message.",
        ],
    ),
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_signing_up_with_a_known_address_tells_the_owner_plainly(
    client, customer_user, language, django_capture_on_commit_callbacks
):
    data = {"email": "camille@example.com", "password1": PASSWORD, "password2": PASSWORD}
    message = _send(client, language, "account_signup", data, django_capture_on_commit_callbacks)
    subject, paragraphs = EXPECTED[(language, "exists")]
    assert message.subject == subject
    assert _paragraphs(message.body) == [line.format(name=NAME[language], site=REQUEST_SITE) for line in paragraphs]
    _assert_reads_well(message.body, language)
    assert client.get("/accounts/password/reset/").status_code == 200


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_unknown_address_is_told_so_plainly(client, language, django_capture_on_commit_callbacks):
    message = _send(
        client, language, "account_reset_password", {"email": "nobody@example.com"}, django_capture_on_commit_callbacks
    )
    subject, paragraphs = EXPECTED[(language, "unknown")]
    assert message.subject == subject
    assert _paragraphs(message.body) == [line.format(name=NAME[language], site=REQUEST_SITE) for line in paragraphs]
    _assert_reads_well(message.body, language)


# How long allauth's codes work (ACCOUNT_LOGIN_BY_CODE_TIMEOUT, ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT):
# at most, since a code sent again from the code page ends when the first one would have.
VALID = {"fr": "Ce code est valable {minutes} minutes au plus.", "en": "This code is valid for {minutes} minutes at most."}


@pytest.mark.parametrize(
    ("language", "subject", "ask", "warn"),
    [
        ("fr", "Votre code de connexion", "Pour vous connecter, saisissez ce code sur la page qui vous l’a demandé\u00a0:",
         "Si ce n’était pas vous, ignorez ce message et ne donnez ce code à personne."),
        ("en", "Your sign-in code", "To sign in, enter this code on the page that asked for it:",
         "If it was not you, ignore this message, and give this code to no one."),
    ],
)
def test_the_sign_in_code(client, customer_user, language, subject, ask, warn, django_capture_on_commit_callbacks):
    message = _send(
        client, language, "account_request_login_code", {"email": "camille@example.com"}, django_capture_on_commit_callbacks
    )
    assert message.subject == subject
    [first, code, valid, last] = _paragraphs(message.body)
    assert (first, last) == (ask, warn)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    assert valid == VALID[language].format(minutes=3)  # allauth's default, 180 seconds
    _assert_reads_well(message.body, language)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_code_says_how_long_it_works_from_allauths_setting(
    client, customer_user, settings, language, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 20 * 60
    message = _send(
        client, language, "account_request_login_code", {"email": "camille@example.com"}, django_capture_on_commit_callbacks
    )
    assert VALID[language].format(minutes=10) in _paragraphs(message.body)
    mail.outbox.clear()
    data = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    message = _send(client.__class__(), language, "account_signup", data, django_capture_on_commit_callbacks)
    assert VALID[language].format(minutes=20) in _paragraphs(message.body)


@pytest.mark.parametrize(
    ("language", "subject", "ask", "warn"),
    [
        ("fr", "Choisissez un nouveau mot de passe",
         "Quelqu’un, peut-être vous, a demandé à choisir un nouveau mot de passe pour votre compte sur "
         "«\u00a0Vos préférences de contact\u00a0». Pour le choisir, suivez ce lien\u00a0:",
         "Si ce n’était pas vous, ignorez ce message\u00a0: votre mot de passe reste le même."),
        ("en", "Choose a new password",
         "Someone, perhaps you, asked to choose a new password for your account on “Your contact preferences”. "
         "To choose it, follow this link:",
         "If it was not you, ignore this message: your password stays as it is."),
    ],
)
def test_the_new_password_link_leads_to_the_form(
    client, customer_user, language, subject, ask, warn, django_capture_on_commit_callbacks
):
    message = _send(
        client, language, "account_reset_password", {"email": "camille@example.com"}, django_capture_on_commit_callbacks
    )
    assert message.subject == subject
    [first, link, last] = _paragraphs(message.body)
    assert (first, last) == (ask, warn)
    _assert_reads_well(message.body, language)
    assert link.startswith(f"{REQUEST_SITE}/accounts/password/reset/key/")
    response = client.get(link.removeprefix(REQUEST_SITE), follow=True)
    assert response.status_code == 200 and 'name="password1"' in response.content.decode()


@pytest.mark.parametrize(("language", "subject"), [("fr", "Confirmez votre adresse e-mail"), ("en", "Confirm your email address")])
def test_the_sign_up_confirmation_subject(client, language, subject, django_capture_on_commit_callbacks):
    data = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    message = _send(client, language, "account_signup", data, django_capture_on_commit_callbacks)
    assert message.subject == subject
    _assert_reads_well(message.body, language)
