"""allauth's pages for a signed-in person (email addresses and their code, password change and set,
reauthentication by password or by code, the staff's authenticator code, TOTP set-up, recovery codes)
show their errors as the sign-in pages do: a summary with role=alert that takes the focus and links to
each field to correct, the field marked aria-invalid and described by its error. In French and English."""

import pytest
from django.urls import reverse

from accounts.roles import AGENT
from tests.conftest import PASSWORD, make_customer_user, make_staff_user
from tests.core.error_summary import assert_field_error, client_in, page_with_summary

pytestmark = pytest.mark.django_db

LANGUAGES = pytest.mark.parametrize("language", ["fr", "en"])
EMAIL = "camille@example.com"
NEW_PASSWORD = "a-brand-new-Pass-2026"
NO_RECOVERY_CODES = {
    "fr": "Vous ne pouvez pas générer de codes de récupération",
    "en": "You cannot generate recovery codes without having two-factor authentication enabled.",
}


def _signed_in(language: str):
    """A signed-in customer who just gave their password again (the pages that ask for it then open)."""
    make_customer_user(EMAIL)
    client = client_in(language)
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


@LANGUAGES
def test_adding_an_email_address(language):
    client = _signed_in(language)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "not-an-email"})
    assert_field_error(page_with_summary(response, language), "id_email")


@LANGUAGES
def test_the_code_that_confirms_an_added_email_address(language):
    client = _signed_in(language)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "second@example.com"})
    assert response.status_code == 302, response.content
    response = client.post(reverse("account_email_verification_sent"), {"code": "AAAA-AAAA"})
    assert_field_error(page_with_summary(response, language), "id_code")


@LANGUAGES
def test_changing_the_password(language):
    client = _signed_in(language)
    url = reverse("account_change_password")
    response = client.post(url, {"oldpassword": "not-" + PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    page = page_with_summary(response, language)
    assert_field_error(page, "id_oldpassword")
    assert page.by_id["id_password1"].get("aria-invalid") is None  # a field without error is not marked
    response = client.post(url, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert_field_error(page_with_summary(response, language), "id_password2")


@LANGUAGES
def test_setting_a_password(language):
    # An account without a usable password (allauth then offers "set" rather than "change").
    user, _customer = make_customer_user(EMAIL)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    client = client_in(language)
    client.force_login(user)
    response = client.post(reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert_field_error(page_with_summary(response, language), "id_password2")


@LANGUAGES
def test_reauthenticating_with_the_password(language):
    client = _signed_in(language)
    response = client.post(reverse("account_reauthenticate"), {"password": "not-" + PASSWORD})
    assert_field_error(page_with_summary(response, language), "id_password")


@LANGUAGES
def test_reauthenticating_with_a_code(language):
    client = _signed_in(language)
    response = client.post(reverse("account_request_reauthentication_code"), {"recipient": ""})
    assert_field_error(page_with_summary(response, language), "id_recipient")
    response = client.post(reverse("account_request_reauthentication_code"), {"recipient": EMAIL})
    assert response["Location"].startswith(reverse("account_confirm_reauthentication_code"))
    response = client.post(reverse("account_confirm_reauthentication_code"), {"code": "AAAA-AAAA"})
    assert_field_error(page_with_summary(response, language), "id_code")


@LANGUAGES
def test_reauthenticating_with_an_authenticator_code(language):
    client = client_in(language)
    client.force_login(make_staff_user("agent@example.com", AGENT))
    response = client.post(reverse("mfa_reauthenticate"), {"code": "000000"})
    assert_field_error(page_with_summary(response, language), "id_code")


@LANGUAGES
def test_setting_up_an_authenticator_app(language):
    client = _signed_in(language)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert_field_error(page_with_summary(response, language), "id_code")


@LANGUAGES
def test_generating_recovery_codes_without_an_authenticator_app(language):
    # A form-wide error (the form has no field): the summary says it, as on every form of the site.
    client = _signed_in(language)
    assert client.get(reverse("mfa_generate_recovery_codes")).status_code == 200
    response = client.post(reverse("mfa_generate_recovery_codes"))
    page = page_with_summary(response, language)
    assert NO_RECOVERY_CODES[language] in page.summaries[0]["text"], page.summaries[0]["text"]
    # Said once, in the summary: not again in a list of its own below it.
    assert response.content.decode().count(NO_RECOVERY_CODES[language]) == 1


@LANGUAGES
def test_the_signed_in_pages_without_errors_have_no_summary(language):
    client = _signed_in(language)
    for name in ("account_email", "account_change_password", "account_reauthenticate", "mfa_activate_totp",
                 "mfa_generate_recovery_codes"):
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        assert 'class="error-summary"' not in response.content.decode(), name
