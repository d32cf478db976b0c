"""The site's skeleton: health check, language, security headers, production settings."""

import asyncio
import os
import subprocess
import sys
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from portal import views
from tests.conftest import make_staff_user
from tests.contact_requests.helpers import request_for
from tests.core.database_faults import database_gone


@pytest.mark.django_db
def test_healthz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def _with_an_event_loop_running(call):
    """call() made while an event loop runs in this thread: the one already running here, if any, or one
    started for it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:

        async def inside_a_loop():
            return call()

        return asyncio.run(inside_a_loop())
    return call()


@pytest.mark.django_db(transaction=True)
def test_healthz_probes_the_database_from_a_thread_that_runs_an_event_loop(client, monkeypatch):
    # A loop can already be running in the test's thread (Playwright's sync API runs one there while it is
    # in use; the whole suite had one here), and a probe that called asyncio.run there said "down" of a
    # database that answers (on PostgreSQL).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the test client's sync calls, inside a loop

    response = _with_an_event_loop_running(lambda: client.get("/healthz"))
    assert response.json()["checks"]["database"] == "ok"

    with database_gone():
        response = _with_an_event_loop_running(lambda: client.get("/healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setattr(views, "_broker_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(views, "_database_ok", lambda: False)
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_home_is_french_by_default_with_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_english_from_the_browser_or_the_switcher(client):
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def _switcher_next(page: str) -> str:
    start = page.index('class="language-switcher"')
    field = page.index('name="next" type="hidden" value="', start) + len('name="next" type="hidden" value="')
    return page[field : page.index('"', field)]


@pytest.mark.django_db
def test_the_switcher_after_a_form_error_comes_back_to_the_form_s_page_not_a_post_only_address(customer_client):
    """A form whose errors are shown at an address that only takes POST (adding a phone number): the
    switcher went back there with a GET, a blank 405 page. It now goes back to the page the form was on."""
    assert _switcher_next(customer_client.get("/my/channels/?tab=1").content.decode()) == "/my/channels/?tab=1"
    add_phone = reverse("preferences:contact_point_add", args=["phone"])
    assert customer_client.get(add_phone).status_code == 302  # to /my/channels/ (PostOnlyAddressMiddleware)
    answer = customer_client.post(add_phone, {"value": "abc"}, HTTP_REFERER="http://testserver/my/channels/")
    assert answer.status_code == 400
    assert _switcher_next(answer.content.decode()) == "/my/channels/"
    switched = customer_client.post(reverse("set_language"), {"language": "en", "next": "/my/channels/"})
    assert switched["Location"] == "/my/channels/"
    assert customer_client.get(switched["Location"]).status_code == 200
    # A Referer from elsewhere, or none, is not followed.
    for referer in ("https://evil.example/my/channels/", None):
        extra = {"HTTP_REFERER": referer} if referer else {}
        assert _switcher_next(customer_client.post(add_phone, {"value": "abc"}, **extra).content.decode()) == "/"


@pytest.mark.django_db
def test_a_missing_page_is_a_404_in_the_site_s_layout_and_language(client):
    french = client.get("/nothing-here/")
    assert french.status_code == 404
    page = french.content.decode()
    assert "Cette page n’existe pas" in page and 'class="language-switcher"' in page and 'id="error-home"' in page
    english = client.get("/nothing-here/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This page does not exist" in english and '<html lang="en">' in english


@pytest.mark.django_db
def test_a_refused_page_is_a_403_that_says_why_in_the_user_s_language(customer_client):
    customer_client.cookies["django_language"] = "en"
    refused = customer_client.get("/support/")
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "You cannot open this page" in page and "Your account does not give access to it." in page
    assert 'id="error-home"' in page


def test_a_server_error_is_a_page_in_both_languages(rf):
    answer = views.server_error(rf.get("/my/"))
    assert answer.status_code == 500
    page = answer.content.decode()
    assert "Une erreur s’est produite de notre côté" in page and "Something went wrong on our side" in page


def test_short_english_dates_name_the_month():
    """12/06/2026 is 6 December to an American reader and 12 June to a European one."""
    moment = datetime(2026, 12, 6, 20, 52)
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "6 Dec 2026, 20:52"
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "6 Dec 2026"
    with translation.override("fr"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "06/12/2026 20:52"


@pytest.mark.django_db
def test_urls_carry_no_language_prefix(client):
    assert reverse("account_login") == "/accounts/login/"
    assert client.get("/en/").status_code == 404


def _production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_SECRET_KEY",
            "DJANGO_ALLOWED_HOSTS",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings.production", **overrides})
    return env


def test_production_settings_refuse_to_start_without_secrets():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=_production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_to_start_without_a_shared_cache():
    env = _production_env(
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-value-1234567890",
        DJANGO_ALLOWED_HOSTS="portal.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "CACHE_URL must be set" in result.stderr


def test_production_settings_pass_check_deploy_with_their_secrets():
    env = _production_env(
        DJANGO_SECRET_KEY="x" * 20 + "a-long-random-production-secret-value-1234567890",
        DJANGO_ALLOWED_HOSTS="portal.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_opening_an_address_that_only_takes_a_form_leads_to_the_form_s_page(customer_client, customer_user, client):
    """A reload of a page shown after a form error, a bookmark or the back button GETs an address that
    only takes a POST: it was a blank 405 page; it leads to the page the form is on."""
    customer = customer_user[1]
    contact_request = request_for(customer)
    point = customer.contact_points.first()
    agent = Client()
    agent.force_login(make_staff_user("agent@example.com", "agent"))
    for who, addresses in (
        (customer_client, {
            "/my/channels/add/phone/": "/my/channels/",
            f"/my/channels/{point.pk}/remove/": "/my/channels/",
            "/my/marketing/pause/": "/my/marketing/",
            "/my/undo/": "/my/",
            "/my/privacy/delete/": "/my/privacy/",
            # (/my/requests/<id>/cancel/ is a page: "Cancel this request?", tests/contact_requests/test_cancel_confirmation.py)
        }),
        (agent, {
            f"/support/requests/{contact_request.pk}/complete/": f"/support/requests/{contact_request.pk}/",
            f"/support/requests/{contact_request.pk}/assign/": f"/support/requests/{contact_request.pk}/",
        }),
    ):
        for address, page in addresses.items():
            response = who.get(address)
            assert (response.status_code, response["Location"]) == (302, page), address
            assert who.get(page).status_code == 200, page
    # The API keeps its 405 problem.
    assert client.get("/api/v1/sends").status_code in (401, 405)


@pytest.mark.django_db
def test_the_site_has_an_icon_even_where_a_page_links_to_none(client):
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith(".svg")


def test_english_dates_and_times_are_day_first_on_a_24_hour_clock():
    moment = datetime(2026, 12, 14, 12, 0)
    with translation.override("en"):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "14 December 2026, 12:00"  # was "Dec. 14, 2026, noon"
        assert formats.date_format(moment, "DATE_FORMAT") == "14 December 2026"
        assert formats.time_format(moment.time(), "TIME_FORMAT") == "12:00"
