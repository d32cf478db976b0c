"""Security headers: no-store on every page with personal data, CSP everywhere, HSTS and secure
cookies in production. (`check --deploy` with production settings: tests/core/test_site.py.)"""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.security.test_access_matrix import _request, world  # noqa: F401 (fixture)
from tests.security.urlconf import path_for, routes_all

pytestmark = pytest.mark.django_db

# Pages of the customer, the console and data rights: never kept by a browser or a proxy cache.
PRIVATE_NAMESPACES = {"preferences": "customer_a", "contact_requests": "customer_a", "privacy": "customer_a",
                      "support": "supervisor", "privacy_staff": "supervisor", "links": "anonymous"}


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_private_page_says_no_store(world):  # noqa: F811
    checked, failures = [], []
    for route in routes_all():
        caller = PRIVATE_NAMESPACES.get(route.namespace)
        if caller is None:
            continue
        path = path_for(world, route)
        if route.name == "privacy:export_download":  # B's export is a 404 for A: A's own export
            continue
        response = _request(world, caller, "GET", path, api=False)
        if response.status_code != 200:
            continue
        checked.append(route.name)
        if not _no_store(response):
            failures.append(f"{path} ({route.name}): Cache-Control {response.get('Cache-Control')!r}")
    assert not failures, "\n".join(failures)
    assert {"preferences:overview", "support:customer_detail", "privacy:privacy", "privacy_staff:export_download",
            "support:dashboard_csv", "links:one_click", "links:confirm"} <= set(checked)


def test_api_answers_with_personal_data_say_no_store(world):  # noqa: F811
    """A key sent as X-Api-Key is not an Authorization header: a shared cache could keep the answer."""
    key = world.api_keys["scope:all"]
    client = Client()
    for path in (f"/api/v1/customers/{world.customer_b.pk}", "/api/v1/events", "/api/v1/contact-requests"):
        response = client.get(path, headers={"X-Api-Key": key})
        assert response.status_code == 200
        assert _no_store(response), (path, response.get("Cache-Control"))
    refused = client.get(f"/api/v1/customers/{world.customer_b.pk}")
    assert refused.status_code == 401 and _no_store(refused)
    # A path that names nothing echoes it in `instance`, an external id with a slash included: not kept
    # either (a 404 is cacheable by default, and this one said nothing about caching).
    unknown = client.get("/api/v1/customers/by-external-id/CRM/42", headers={"X-Api-Key": key})
    assert unknown.status_code == 404 and _no_store(unknown), unknown.get("Cache-Control")


def test_pages_carry_a_strict_content_security_policy(world):  # noqa: F811
    for caller, path in (("anonymous", "/"), ("customer_a", "/my/topics/"), ("supervisor", "/support/")):
        policy = _request(world, caller, "GET", path, api=False)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'" and "unsafe" not in policy
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        assert directives["form-action"] == "'self'" and directives["base-uri"] == "'self'"


def test_production_settings_send_hsts_and_keep_cookies_secure():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY="s" * 60,
        DJANGO_ALLOWED_HOSTS="portal.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    env.pop("DJANGO_HSTS_SECONDS", None)
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    names = [
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "DEBUG", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
    ]
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["LANGUAGE_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] is True and values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["DEBUG"] is False and values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"]


def test_hsts_header_is_sent_over_https(settings, client):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")
