"""A staff member's first sign-in: the password they have just typed counts as a recent confirmation
(ACCOUNT_REAUTHENTICATION_TIMEOUT), so the TOTP set-up they are sent to opens without asking for it
again; past the timeout, setting up or removing an authenticator asks again. Removing one's own TOTP
(allowed) sends the very next staff page back to the set-up."""

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.roles import AGENT, SUPERVISOR
from tests.conftest import PASSWORD, make_staff_user
from tests.core.test_accounts import totp_now

pytestmark = pytest.mark.django_db

LANGUAGES = pytest.mark.parametrize("language", ["fr", "en"])
REAUTHENTICATE = reverse("account_reauthenticate")
ACTIVATE = reverse("mfa_activate_totp")


def _client(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def _sign_in(client: Client, email: str) -> None:
    """Through the real sign-in form, as a person does (not force_login)."""
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    if response["Location"] == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": totp_now()})
        assert response.status_code == 302, response.content
    assert "_auth_user_id" in client.session


@LANGUAGES
@pytest.mark.django_db(transaction=True)  # allauth signals a new authenticator on commit, as in production
def test_a_new_agent_sets_up_totp_right_after_signing_in_without_typing_the_password_again(language):
    make_staff_user("new-agent@example.com", AGENT, with_totp=False)
    client = _client(language)
    _sign_in(client, "new-agent@example.com")

    response = client.get(reverse("support:home"))
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE
    response = client.get(ACTIVATE)
    assert response.status_code == 200  # the set-up page itself, not the password again
    response = client.post(ACTIVATE, {"code": totp_now(client.session[SECRET_SESSION_KEY])})
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get(reverse("support:home")).status_code == 200


@LANGUAGES
def test_past_the_timeout_the_set_up_asks_for_the_password_again(language, reauthentication_expired):
    make_staff_user("new-agent@example.com", AGENT, with_totp=False)
    client = _client(language)
    _sign_in(client, "new-agent@example.com")
    reauthentication_expired()

    response = client.get(ACTIVATE)
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    # Setting up by a direct POST is refused the same way (allauth's flow checks again).
    response = client.post(ACTIVATE, {"code": "000000"})
    assert response.status_code == 302
    assert response["Location"].startswith(REAUTHENTICATE)
    response = client.post(REAUTHENTICATE, {"password": PASSWORD})
    assert response.status_code == 302
    assert client.get(ACTIVATE).status_code == 200


@pytest.mark.parametrize("role", [AGENT, SUPERVISOR])
def test_removing_an_authenticator_later_still_asks_for_the_password_past_the_timeout(role, reauthentication_expired):
    make_staff_user("staff@example.com", role)
    client = _client("en")
    _sign_in(client, "staff@example.com")
    deactivate = reverse("mfa_deactivate_totp")
    assert client.get(deactivate).status_code == 200  # just signed in with password and code
    reauthentication_expired()
    for response in (client.get(deactivate), client.post(deactivate)):
        assert response.status_code == 302
        assert response["Location"].startswith(REAUTHENTICATE)
    response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response["Location"].startswith(REAUTHENTICATE)


@pytest.mark.parametrize(("role", "staff_page"), [(AGENT, "/support/"), (SUPERVISOR, "/admin/")])
@pytest.mark.django_db(transaction=True)  # allauth signals a removed authenticator on commit
def test_after_removing_their_own_totp_the_next_staff_page_sends_them_back_to_set_it_up(role, staff_page):
    make_staff_user("staff@example.com", role)
    client = _client("fr")
    _sign_in(client, "staff@example.com")
    assert client.get(staff_page).status_code == 200
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302, response.content
    response = client.get(staff_page)
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE
