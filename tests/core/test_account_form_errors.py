"""allauth's pages (sign in, sign up, password reset, codes, the staff two-factor step) show their errors
as every other form of the site: a summary with role=alert at the top of the form (which
static/js/focus-errors.js focuses), and the fields to correct marked aria-invalid and described by
their error. In French and English."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD, make_customer_user, make_staff_user
from tests.core.error_summary import Page, assert_field_error, client_in, page_with_summary

pytestmark = pytest.mark.django_db

MISMATCH = {
    "fr": "L’adresse e-mail ou le mot de passe sont incorrects.",
    "en": "The email address and/or password you specified are not correct.",
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_wrong_password_on_the_sign_in_page(language):
    make_customer_user("camille@example.com")
    response = client_in(language).post(
        reverse("account_login"), {"login": "camille@example.com", "password": "wrong-password-123"}
    )
    page = page_with_summary(response, language)
    summary = page.summaries[0]
    assert MISMATCH[language] in summary["text"]
    # The error concerns both fields, though it names neither: both are marked, described by the summary.
    assert summary["id"] == "login-error-summary"
    for field_id in ("id_login", "id_password"):
        field = page.by_id[field_id]
        assert field.get("aria-invalid") == "true", field
        assert "login-error-summary" in field["aria-describedby"].split(), field
    # The password's help (the link to reset it) still describes it.
    assert "id_password_helptext" in page.by_id["id_password"]["aria-describedby"].split()
    assert "id_password_helptext" in page.by_id


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_invalid_email_on_the_sign_in_page(language):
    response = client_in(language).post(reverse("account_login"), {"login": "not-an-email", "password": "x"})
    page = page_with_summary(response, language)
    assert_field_error(page, "id_login")
    assert page.by_id["id_password"].get("aria-invalid") is None  # a field without error is not marked


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_sign_up_page(language):
    response = client_in(language).post(
        reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert_field_error(page_with_summary(response, language), "id_password2")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_password_reset_pages(language, django_capture_on_commit_callbacks):
    client = client_in(language)
    response = client.post(reverse("account_reset_password"), {"email": "not-an-email"})
    assert_field_error(page_with_summary(response, language), "id_email")
    make_customer_user("camille@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "camille@example.com"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]  # allauth keeps the key in the session and drops it from the URL
    response = client.post(form_url, {"password1": "another-long-Pass-2026", "password2": "something-else-2026"})
    assert_field_error(page_with_summary(response, language), "id_password2")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_email_confirmation_code_page(language):
    client = client_in(language)
    client.post(reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD})
    response = client.post(reverse("account_email_verification_sent"), {"code": "AAAA-AAAA"})
    assert_field_error(page_with_summary(response, language), "id_code")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_sign_in_code_pages(language):
    make_customer_user("camille@example.com")
    client = client_in(language)
    response = client.post(reverse("account_request_login_code"), {"email": "not-an-email"})
    assert_field_error(page_with_summary(response, language), "id_email")
    client.post(reverse("account_request_login_code"), {"email": "camille@example.com"})
    response = client.post(reverse("account_confirm_login_code"), {"code": "AAAA-AAAA"})
    assert_field_error(page_with_summary(response, language), "id_code")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_staff_two_factor_page(language):
    make_staff_user("agent@example.com", "agent")
    client = client_in(language)
    response = client.post(reverse("account_login"), {"login": "agent@example.com", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert_field_error(page_with_summary(response, language), "id_code")


def test_a_page_without_errors_has_no_summary():
    page = Page(client_in("en").get(reverse("account_login")).content.decode())
    assert page.summaries == []
    assert page.by_id["id_login"].get("aria-invalid") is None
