"""The access matrix: every URL of the site, the console and the API, read from the URL conf, asked
by every kind of caller, gets exactly the answer written in the tables below.

A URL name missing from the tables fails `test_every_url_is_in_the_tables`: a new view cannot
escape the matrix. Paths are filled with objects of customer B (or of another API client), and then
with ids that exist for nobody; no answer to customer A, to an anonymous visitor, or to an API client
without the scope that shows them, ever carries B's email, names, phone, postal address or external id.

Each request runs in a savepoint rolled back at once, so that no caller's request changes what the
next one sees (a POST that erases B must not turn the next caller's answer into a 404).
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.test import Client

from accounts.models import RoleChange, User
from accounts.roles import AGENT, SUPERVISOR
from accounts.services import user_access_change
from api.models import Scope
from tests.conftest import make_staff_user
from tests.security.urlconf import ADMIN_NAMESPACE, Route, path_for, routes_all
from tests.security.world import World, world_build

pytestmark = pytest.mark.django_db

# --- Answers ------------------------------------------------------------------------------------
# An int is a status code; a string is a 302 to that path (the query string is not compared).
LOGIN = "/accounts/login/"
TOTP = "/accounts/2fa/totp/activate/"  # staff without TOTP are sent to set it up first
REAUTH = "/accounts/reauthenticate/"
CODE = "/accounts/login/code/"

# --- Web callers: (anonymous, customer A, agent, supervisor, staff member without TOTP) ----------
WEB_CALLERS = ("anonymous", "customer_a", "agent", "supervisor", "staff_without_totp")


def everyone(answer):
    return (answer,) * len(WEB_CALLERS)


NOT_ALLOWED = everyone(405)


class FormPage(str):
    """A 302 to the page a form is on, whatever the ids in the address (nothing is looked up)."""


def form_page(path):
    """A GET of an address that only takes a form leads to the page the form is on (a reload, a
    bookmark: portal.middleware.PostOnlyAddressMiddleware); that page then answers as its own row says."""
    return everyone(FormPage(path))


def customer_page(answer):
    """A page of the signed-in customer (preferences.access.customer_required): anonymous visitors
    sign in; staff have no customer record (404). Objects of B in the path are 404 for A."""
    return (LOGIN, answer, 404, 404, 404)


def staff_page(answer):
    """A console page (support.access.staff_required): customers are refused, staff without TOTP set it up."""
    return (LOGIN, 403, answer, answer, TOTP)


def staff_only_method():
    """A method a console view does not answer: TOTP set-up comes first (middleware), then 405."""
    return (405, 405, 405, 405, TOTP)


def console_form_page(path):
    """form_page for the console: staff without TOTP set it up first (middleware)."""
    return (FormPage(path),) * 4 + (TOTP,)


def supervisor_page(answer):
    return (LOGIN, 403, 403, answer, TOTP)


def signed_in(answer, *, anonymous=LOGIN):
    """An allauth page for any signed-in person."""
    return (anonymous, answer, answer, answer, answer)


WEB_TABLE: dict[str, dict[str, tuple]] = {
    # Site pages.
    "home": {"GET": (200, "/my/", "/support/", "/support/", "/support/"), "POST": NOT_ALLOWED},
    "healthz": {"GET": everyone(200), "POST": NOT_ALLOWED},
    "favicon": {"GET": everyone("/static/img/"), "POST": NOT_ALLOWED},
    "accessibility": {"GET": everyone(200), "POST": NOT_ALLOWED},
    "set_language": {"GET": everyone("/"), "POST": everyone("/")},
    # allauth: sign in, sign up, passwords, email, MFA.
    # allauth answers a form with errors with 200, not 400.
    "account_login": {"GET": (200, "/", "/", "/", "/"), "POST": (200, "/", "/", "/", "/")},
    "account_logout": {"GET": ("/", 200, 200, 200, 200), "POST": everyone("/")},
    "account_inactive": {"GET": everyone(200), "POST": NOT_ALLOWED},
    "account_signup": {"GET": (200, "/", "/", "/", "/"), "POST": (200, "/", "/", "/", "/")},
    "account_reauthenticate": {"GET": signed_in(200), "POST": signed_in(200)},
    "account_request_reauthentication_code": {"GET": signed_in(200), "POST": signed_in(200)},
    "account_confirm_reauthentication_code": {
        "GET": signed_in("/accounts/reauthenticate/code/"),
        "POST": signed_in("/accounts/reauthenticate/code/"),
    },
    "account_email": {"GET": signed_in(200), "POST": signed_in("/accounts/email/")},
    "account_email_verification_sent": {"GET": signed_in("/accounts/email/"), "POST": signed_in("/accounts/email/")},
    "account_change_password": {"GET": signed_in(200), "POST": signed_in(200)},
    "account_set_password": {"GET": signed_in("/accounts/password/change/"), "POST": signed_in("/accounts/password/change/")},
    "account_reset_password": {"GET": everyone(200), "POST": everyone(200)},
    "account_reset_password_done": {"GET": everyone(200), "POST": NOT_ALLOWED},
    "account_reset_password_from_key": {"GET": everyone(200), "POST": everyone(200)},
    "account_reset_password_from_key_done": {"GET": everyone(200), "POST": NOT_ALLOWED},
    "account_request_login_code": {"GET": (200, "/", "/", "/", "/"), "POST": (200, "/", "/", "/", "/")},
    "account_confirm_login_code": {"GET": (CODE, "/", "/", "/", "/"), "POST": (CODE, "/", "/", "/", "/")},
    "mfa_index": {"GET": signed_in(200), "POST": signed_in(405)},
    "mfa_authenticate": {"GET": signed_in("/"), "POST": signed_in("/")},
    # Reauthenticating with a TOTP code needs TOTP: the others reauthenticate with their password.
    "mfa_reauthenticate": {"GET": (LOGIN, REAUTH, 200, 200, REAUTH), "POST": (LOGIN, REAUTH, 200, 200, REAUTH)},
    # Setting up or removing an authenticator needs a recent authentication.
    "mfa_activate_totp": {"GET": signed_in(REAUTH), "POST": signed_in(REAUTH)},
    "mfa_deactivate_totp": {"GET": (LOGIN, 404, REAUTH, REAUTH, 404), "POST": (LOGIN, 404, REAUTH, REAUTH, 404)},
    "mfa_view_recovery_codes": {"GET": signed_in(404), "POST": signed_in(405)},
    "mfa_generate_recovery_codes": {"GET": signed_in(REAUTH), "POST": signed_in(REAUTH)},
    "mfa_download_recovery_codes": {"GET": signed_in(404), "POST": signed_in(404)},
    # The customer's pages. Read-only pages answer GET and HEAD only.
    "preferences:overview": {"GET": customer_page(200), "POST": NOT_ALLOWED},
    "preferences:channels": {"GET": customer_page(200), "POST": NOT_ALLOWED},
    "preferences:contact_point_add": {"GET": form_page("/my/channels/"), "POST": customer_page(400)},
    "preferences:contact_point_verify": {"GET": form_page("/my/channels/"), "POST": customer_page(404)},  # B's point
    "preferences:contact_point_resend": {"GET": form_page("/my/channels/"), "POST": customer_page(404)},
    "preferences:contact_point_remove": {"GET": form_page("/my/channels/"), "POST": customer_page(404)},
    "preferences:ranking_move": {"GET": form_page("/my/channels/"), "POST": customer_page("/my/channels/")},
    "preferences:settings_update": {"GET": form_page("/my/channels/"), "POST": customer_page(400)},
    "preferences:topics": {"GET": customer_page(200), "POST": customer_page(400)},
    # GET, or a POST that is not a confirmed objection, shows the confirmation page (an empty body: 400).
    "preferences:marketing_objection": {"GET": customer_page(200), "POST": customer_page(400)},
    "preferences:marketing": {"GET": customer_page(200), "POST": NOT_ALLOWED},
    "preferences:marketing_pause": {"GET": form_page("/my/marketing/"), "POST": customer_page(400)},
    "preferences:marketing_resume": {"GET": form_page("/my/marketing/"), "POST": customer_page("/my/marketing/")},
    "preferences:marketing_restore": {"GET": form_page("/my/marketing/"), "POST": customer_page("/my/marketing/")},
    # An empty body names no change: refused with a message, back to the overview.
    "preferences:undo": {"GET": form_page("/my/"), "POST": customer_page("/my/")},
    "preferences:ai": {"GET": customer_page(200), "POST": customer_page(400)},
    "preferences:history": {"GET": customer_page(200), "POST": NOT_ALLOWED},
    "contact_requests:list": {"GET": customer_page(200), "POST": customer_page(400)},
    # GET is the "Cancel this request?" page (it changes nothing); only a confirmed POST cancels. B's request.
    "contact_requests:cancel": {"GET": customer_page(404), "POST": customer_page(404)},
    "contact_requests:change": {"GET": customer_page(404), "POST": customer_page(404)},  # B's request
    "privacy:privacy": {"GET": customer_page(200), "POST": NOT_ALLOWED},
    "privacy:export_request": {"GET": form_page("/my/privacy/"), "POST": customer_page("/my/privacy/")},
    "privacy:export_download": {"GET": customer_page(404), "POST": NOT_ALLOWED},  # B's export
    "privacy:export_status": {"GET": customer_page(404), "POST": NOT_ALLOWED},  # B's export
    "privacy:account_delete": {"GET": form_page("/my/privacy/"), "POST": customer_page(400)},
    # The console (B's customer record, B's request, B's export).
    "support:home": {"GET": staff_page(200), "POST": staff_only_method()},
    "support:customer_detail": {"GET": staff_page(200), "POST": staff_only_method()},
    "support:customer_override": {"GET": staff_page(200), "POST": staff_page(200)},
    "support:request_queue": {"GET": staff_page(200), "POST": staff_only_method()},
    "support:request_detail": {"GET": staff_page(200), "POST": staff_only_method()},
    "support:request_assign": {"GET": console_form_page("/support/requests/"), "POST": staff_page("/support/requests/")},
    "support:request_schedule": {"GET": console_form_page("/support/requests/"), "POST": staff_page(400)},
    "support:request_complete": {"GET": console_form_page("/support/requests/"), "POST": staff_page(400)},
    "support:request_unreachable": {"GET": console_form_page("/support/requests/"), "POST": staff_page("/support/requests/")},
    "support:staff_settings": {"GET": staff_page(200), "POST": staff_page("/support/me/")},  # their own zone; none = the site's
    "support:dashboard": {"GET": supervisor_page(200), "POST": staff_only_method()},
    "support:dashboard_csv": {"GET": supervisor_page(200), "POST": staff_only_method()},
    # Data rights (exports, irreversible erasure): supervisors only, or an agent's request that another
    # supervisor approves (four eyes): agents see the page and ask; supervisors list, read and decide.
    "privacy_staff:privacy": {"GET": staff_page(200), "POST": staff_only_method()},
    "privacy_staff:approval_request": {"GET": console_form_page("/support/customers/"), "POST": staff_page(400)},
    "support:approval_list": {"GET": supervisor_page(200), "POST": staff_only_method()},
    "support:approval_detail": {"GET": supervisor_page(200), "POST": staff_only_method()},  # an agent's request about B
    "support:approval_decide": {"GET": console_form_page("/support/approvals/"), "POST": supervisor_page(400)},
    "privacy_staff:export_request": {"GET": console_form_page("/support/customers/"), "POST": supervisor_page(400)},
    "privacy_staff:export_download": {"GET": supervisor_page(200), "POST": staff_only_method()},
    "privacy_staff:erase": {"GET": console_form_page("/support/customers/"), "POST": supervisor_page(400)},
    # One-click links: no login; the token is the secret (B's link: the page names no one).
    "links:one_click": {"GET": everyone(200), "POST": everyone(200)},
    # B's confirmation link (the newsletter, pending): the POST confirms it (409 once it is no longer pending).
    "links:confirm": {"GET": everyone(200), "POST": everyone(200)},
}

# --- API callers: no key (and browser sessions, which the API does not accept), a key with one
# scope, with none, with all. The table gives, per method, the scope it needs and the answer to a
# client holding it (B's customer, another client's send, endpoint, delivery and request, and empty
# bodies); a client without it gets 403, no key 401, a method not listed 405.
PUBLIC = None
API_TABLE: dict[str, dict[str, tuple[str | None, int]]] = {
    "api:schema": {"GET": (PUBLIC, 200)},
    "api:docs": {"GET": (PUBLIC, 200)},
    "api:redoc": {"GET": (PUBLIC, 200)},
    "api:customer-upsert": {"GET": (Scope.CUSTOMERS_READ, 200), "POST": (Scope.CUSTOMERS_WRITE, 400)},
    "api:customer-detail-by-external-id": {"GET": (Scope.CUSTOMERS_READ, 200), "PATCH": (Scope.CUSTOMERS_WRITE, 428)},
    # An empty body is a 400; removing one of B's contact points is allowed to a writer (200).
    "api:customer-contact-points": {"POST": (Scope.CUSTOMERS_WRITE, 400)},
    "api:customer-contact-point-detail": {"PATCH": (Scope.CUSTOMERS_WRITE, 400), "DELETE": (Scope.CUSTOMERS_WRITE, 200)},
    "api:customer-contact-points-by-external-id": {"POST": (Scope.CUSTOMERS_WRITE, 400)},
    "api:customer-contact-point-detail-by-external-id": {
        "PATCH": (Scope.CUSTOMERS_WRITE, 400),
        "DELETE": (Scope.CUSTOMERS_WRITE, 200),
    },
    "api:customer-batch": {"POST": (Scope.CUSTOMERS_WRITE, 400)},
    "api:customer-change-batch": {"POST": (Scope.CUSTOMERS_WRITE, 400)},
    "api:customer-detail": {"GET": (Scope.CUSTOMERS_READ, 200), "PATCH": (Scope.CUSTOMERS_WRITE, 428)},
    # An empty body: the reason is missing (400); B's export was requested by B, not by the client (404).
    "api:customer-erasure": {"POST": (Scope.CUSTOMERS_ERASE, 400)},
    "api:customer-erasure-by-external-id": {"POST": (Scope.CUSTOMERS_ERASE, 400)},
    "api:customer-data-exports": {"POST": (Scope.CUSTOMERS_EXPORT, 202)},
    "api:customer-data-exports-by-external-id": {"POST": (Scope.CUSTOMERS_EXPORT, 202)},
    "api:customer-data-export-detail": {"GET": (Scope.CUSTOMERS_EXPORT, 404)},
    "api:customer-data-export-download": {"GET": (Scope.CUSTOMERS_EXPORT, 404)},
    "api:customer-data-export-detail-by-external-id": {"GET": (Scope.CUSTOMERS_EXPORT, 404)},
    "api:customer-data-export-download-by-external-id": {"GET": (Scope.CUSTOMERS_EXPORT, 404)},
    "api:topic-list": {"GET": (Scope.CUSTOMERS_READ, 200)},
    "api:channel-list": {"GET": (Scope.CUSTOMERS_READ, 200)},
    "api:contact-plans": {"POST": (Scope.DECISIONS_READ, 400)},
    "api:audiences": {"GET": (Scope.DECISIONS_READ, 200), "POST": (Scope.DECISIONS_READ, 400)},
    "api:audience-detail": {"GET": (Scope.DECISIONS_READ, 404)},  # another client's audience
    "api:audience-download": {"GET": (PUBLIC, 400)},  # a signed link, no key: without its token, 400
    "api:sends": {"POST": (Scope.SENDS_WRITE, 400)},
    "api:send-detail": {"GET": (Scope.SENDS_WRITE, 404)},  # another client's send
    "api:event-list": {"GET": (Scope.EVENTS_READ, 200)},
    "api:contact-requests": {"GET": (Scope.CONTACT_REQUESTS_READ, 200), "POST": (Scope.CONTACT_REQUESTS_WRITE, 400)},
    "api:contact-request-detail": {"GET": (Scope.CONTACT_REQUESTS_READ, 404)},  # another client's request
    "api:customer-unsubscribe-links": {"GET": (Scope.UNSUBSCRIBE_LINKS_READ, 200)},
    "api:customer-unsubscribe-links-by-external-id": {"GET": (Scope.UNSUBSCRIBE_LINKS_READ, 200)},
    "api:sms-inbound": {"POST": (Scope.SMS_INBOUND, 400)},
    "api:webhook-endpoints": {"GET": (Scope.WEBHOOKS_MANAGE, 200), "POST": (Scope.WEBHOOKS_MANAGE, 400)},
    # Another client's endpoint and delivery: 404, as if they did not exist.
    "api:webhook-endpoint-detail": {
        "GET": (Scope.WEBHOOKS_MANAGE, 404),
        "PATCH": (Scope.WEBHOOKS_MANAGE, 404),
        "DELETE": (Scope.WEBHOOKS_MANAGE, 404),
    },
    "api:webhook-endpoint-test": {"POST": (Scope.WEBHOOKS_MANAGE, 404)},
    "api:webhook-secret-rotation": {"POST": (Scope.WEBHOOKS_MANAGE, 404)},
    "api:webhook-deliveries": {"GET": (Scope.WEBHOOKS_MANAGE, 404)},
    "api:webhook-replay-range": {"POST": (Scope.WEBHOOKS_MANAGE, 404)},
    "api:webhook-delivery-replay": {"POST": (Scope.WEBHOOKS_MANAGE, 404)},
    # Any other path under /api/: a problem+json 404 for everyone.
    "api:not-found": {method: (PUBLIC, 404) for method in ("GET", "POST", "PATCH", "DELETE")},
}
API_METHODS = ("GET", "POST", "PATCH", "DELETE")
SESSION_CALLERS = ("customer_a", "agent", "supervisor", "staff_without_totp")
API_CALLERS = ("anonymous", *SESSION_CALLERS, *(f"scope:{s}" for s in Scope.values), "scope:none", "scope:all")


# --- Machinery ----------------------------------------------------------------------------------


def _client(world: World, caller: str) -> tuple[Client, dict[str, str]]:
    client = Client()
    users = {
        "customer_a": world.user_a,
        "agent": world.agent,
        "supervisor": world.supervisor,
        "staff_without_totp": world.staff_without_totp,
    }
    if caller in users:
        client.force_login(users[caller])
    headers = {"Authorization": f"Bearer {world.api_keys[caller]}"} if caller.startswith("scope:") else {}
    return client, headers


def _request(world: World, caller: str, method: str, path: str, *, api: bool):
    """One request, in a savepoint that is rolled back: callers never see each other's changes."""
    with transaction.atomic():
        client, headers = _client(world, caller)
        if method == "GET":
            response = client.get(path, headers=headers)
        elif api:
            response = client.generic(method, path, b"{}", content_type="application/json", headers=headers)
        else:
            response = client.generic(method, path, b"", content_type="application/x-www-form-urlencoded", headers=headers)
        transaction.set_rollback(True)
    return response


def _answer(response) -> int | str:
    if response.status_code == 302:
        return response["Location"].split("?")[0].split("#")[0]
    return response.status_code


def _matches(expected, actual) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):
        return actual == expected or (expected.endswith("/") and expected != "/" and actual.startswith(expected))
    return expected == actual


def _body(response, path: str) -> str:
    """The answer's text, without the path the caller sent (problem+json echoes it as `instance`)."""
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace").replace(path, "")


def _id_route(route: Route) -> bool:
    return any(name.endswith("_id") or name in ("token", "external_id") for name in route.arguments)


def _missing_answer(expected):
    """With ids that exist for nobody: whatever got through to the object is now a 404."""
    if expected in (401, 403, 404, 405, LOGIN, TOTP) or isinstance(expected, FormPage):
        return expected
    return 404


@pytest.fixture
def world(db) -> World:
    return world_build()


def _routes() -> list[Route]:
    return [route for route in routes_all() if route.namespace != ADMIN_NAMESPACE]


# --- Tests --------------------------------------------------------------------------------------


def test_every_url_is_in_the_tables():
    names = {route.name for route in _routes()}
    tables = set(WEB_TABLE) | set(API_TABLE)
    assert not names - tables, f"URL names with no expected answers (add them to a table): {sorted(names - tables)}"
    assert not tables - names, f"Table rows for URL names that no longer exist: {sorted(tables - names)}"
    unnamed = [route.route for route in routes_all() if "<unnamed>" in route.name and route.namespace != ADMIN_NAMESPACE]
    assert not unnamed, f"Name these URL patterns so that the matrix can hold them: {unnamed}"


def test_web_pages_answer_each_caller_exactly(world):
    failures, leaks = [], []
    for route in _routes():
        if route.name not in WEB_TABLE:
            continue
        for missing in (False, True) if _id_route(route) else (False,):
            path = path_for(world, route, missing=missing)
            for method, answers in WEB_TABLE[route.name].items():
                for caller, expected in zip(WEB_CALLERS, answers, strict=True):
                    if missing:
                        expected = _missing_answer(expected)
                    response = _request(world, caller, method, path, api=False)
                    actual = _answer(response)
                    if not _matches(expected, actual):
                        failures.append(f"{method} {path} ({route.name}) as {caller}: expected {expected}, got {actual}")
                    if caller not in ("agent", "supervisor"):
                        found = [value for value in world.b_values() if value in _body(response, path)]
                        if found:
                            leaks.append(f"{method} {path} as {caller} shows B's {found}")
    assert not failures, "\n".join(failures)
    assert not leaks, "\n".join(leaks)


def test_an_api_key_opens_no_web_page(world):
    """A key sent to the site is ignored: every page answers as it does to an anonymous visitor."""
    failures = []
    for route in _routes():
        if route.name not in WEB_TABLE:
            continue
        path = path_for(world, route)
        expected = WEB_TABLE[route.name]["GET"][0]
        response = _request(world, "scope:all", "GET", path, api=False)
        if not _matches(expected, _answer(response)):
            failures.append(f"GET {path} with a key: expected {expected}, got {_answer(response)}")
    assert not failures, "\n".join(failures)


def test_api_answers_each_caller_exactly(world):
    failures, leaks = [], []
    for route in _routes():
        if route.name not in API_TABLE:
            continue
        for missing in (False, True) if _id_route(route) else (False,):
            path = path_for(world, route, missing=missing)
            for method in API_METHODS:
                public_route = all(scope is PUBLIC for scope, _granted in API_TABLE[route.name].values())
                scope, granted = API_TABLE[route.name].get(method, (PUBLIC if public_route else "-", 405))
                for caller in API_CALLERS:
                    has_key = caller.startswith("scope:")
                    holds = caller == "scope:all" or caller == f"scope:{scope}"
                    if scope is PUBLIC:
                        expected = granted
                    elif not has_key:
                        expected = 401  # no key; a browser session is not a key
                    elif scope == "-":
                        expected = 405
                    else:
                        expected = granted if holds else 403
                    if missing and holds and scope is not PUBLIC:  # a public route has no owner to hold
                        expected = _missing_answer(expected)
                    response = _request(world, caller, method, path, api=True)
                    if response.status_code != expected:
                        failures.append(f"{method} {path} ({route.name}) as {caller}: expected {expected}, got {response.status_code}")
                    if response.status_code >= 400 and route.name not in ("api:docs", "api:redoc", "api:schema"):
                        if response["Content-Type"] != "application/problem+json":
                            failures.append(f"{method} {path} as {caller}: {response.status_code} is not problem+json")
                    body = _body(response, path)
                    personal = caller in ("scope:all", "scope:contact_points:read")
                    forbidden = world.b_personal_values() if personal is False else []
                    if response.status_code >= 400:
                        forbidden = world.b_values()
                    found = [value for value in forbidden if value in body]
                    if found:
                        leaks.append(f"{method} {path} as {caller} ({response.status_code}) shows B's {found}")
    assert not failures, "\n".join(failures)
    assert not leaks, "\n".join(leaks)


def test_a_client_with_customers_read_sees_personal_values_only_with_contact_points_read(world):
    path = f"/api/v1/customers/{world.customer_b.pk}"
    without = _request(world, "scope:customers:read", "GET", path, api=True).json()
    assert without["external_id"] == world.customer_b.external_id
    assert "first_name" not in without and all("value" not in point for point in without["contact_points"])
    full = _request(world, "scope:all", "GET", path, api=True).json()
    assert full["first_name"] == world.customer_b.first_name


# The admin: its index for each role here; its user pages and every registered model's list and add
# pages, for each role, at the end of this file. Every /admin/ path needs TOTP for staff
# (accounts.middleware).
ADMIN_INDEX = {
    "anonymous": "/admin/login/",  # which sends to allauth's sign-in (TOTP, rate limits)
    "customer_a": "/admin/login/",  # which answers 403 to a signed-in person who is not staff
    "agent": "/admin/login/",  # an agent works in the console, not the admin
    "supervisor": 200,
    "staff_without_totp": TOTP,
}


def test_admin_index_for_each_role(world):
    for caller, expected in ADMIN_INDEX.items():
        response = _request(world, caller, "GET", "/admin/", api=False)
        assert _matches(expected, _answer(response)), f"/admin/ as {caller}: expected {expected}, got {_answer(response)}"
        if expected == "/admin/login/":
            second = _answer(_request(world, caller, "GET", "/admin/login/", api=False))
            assert second == (LOGIN if caller == "anonymous" else 403), f"/admin/login/ as {caller}: {second}"


def test_the_admin_login_form_cannot_skip_totp(world):
    """Signing in through /admin/login/ with a password only would skip TOTP and allauth's limits."""
    from tests.conftest import PASSWORD

    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": world.supervisor.email, "password": PASSWORD})
    assert _answer(response) == LOGIN
    assert "_auth_user_id" not in client.session
    assert _answer(client.get("/admin/")) == "/admin/login/"
    assert _answer(client.get("/admin/login/")) == LOGIN


# --- The admin's user pages, and every model the admin shows, for each role ----------------------
# Django's UserAdmin, as it comes, lets a role with change_user make itself superuser and set any
# customer's password. The reported attack and the record of role changes: test_admin_access.py.

ADMIN_LOGIN = "/admin/login/"
CALLERS = ("anonymous", "customer_a", "agent", "supervisor", "superuser", "staff_without_totp")
STOLEN_PASSWORD = "taken-over-Pass-2026"


@pytest.fixture
def superuser(db) -> User:
    user = make_staff_user("root.sec@example.com", AGENT)
    user_access_change(user=user, actor=None, source=RoleChange.Source.SYSTEM, is_staff=True, is_superuser=True)
    return user


def _caller_user(world: World, superuser: User, caller: str) -> User | None:
    return {
        "customer_a": world.user_a,
        "agent": world.agent,
        "supervisor": world.supervisor,
        "superuser": superuser,
        "staff_without_totp": world.staff_without_totp,
    }.get(caller)


def _escalation(user: User) -> dict:
    """What the reporter POSTed: superuser, staff, the supervisor role, and someone else's email."""
    return {
        "email": "attacker-owned@example.com",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [Group.objects.get(name=SUPERVISOR).pk],
    }


def _state(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (user.email, user.is_staff, user.is_superuser, user.password, sorted(user.groups.values_list("name", flat=True)))


def _user_pages(world: World, caller_user: User | None) -> list[tuple[str, str, str, object]]:
    """(what, method, path, data) for the user pages, aimed at customer B, at a staff member and at
    the caller's own account."""
    b, staff = world.user_b.pk, world.agent.pk
    own = caller_user.pk if caller_user is not None else b
    new_password = {"password1": STOLEN_PASSWORD, "password2": STOLEN_PASSWORD, "usable_password": "true"}
    return [
        ("list", "GET", "/admin/accounts/user/", None),
        ("change B", "GET", f"/admin/accounts/user/{b}/change/", None),
        ("escalate B", "POST", f"/admin/accounts/user/{b}/change/", "escalate:b"),
        ("escalate self", "POST", f"/admin/accounts/user/{own}/change/", "escalate:own"),
        ("escalate staff", "POST", f"/admin/accounts/user/{staff}/change/", "escalate:staff"),
        ("add", "GET", "/admin/accounts/user/add/", None),
        ("add", "POST", "/admin/accounts/user/add/", {"email": "new.person@example.com"}),
        ("password B", "GET", f"/admin/accounts/user/{b}/password/", None),
        ("password B", "POST", f"/admin/accounts/user/{b}/password/", new_password),
        ("password self", "POST", f"/admin/accounts/user/{own}/password/", new_password),
        ("delete B", "GET", f"/admin/accounts/user/{b}/delete/", None),
        ("delete B", "POST", f"/admin/accounts/user/{b}/delete/", {"post": "yes"}),
        ("role changes", "GET", "/admin/accounts/rolechange/", None),
        ("groups", "GET", "/admin/auth/group/", None),
        ("group change", "POST", f"/admin/auth/group/{Group.objects.get(name=SUPERVISOR).pk}/change/",
         {"name": SUPERVISOR, "permissions": [Permission.objects.get(codename="manage_staff").pk]}),
    ]


def _not_staff(answer):
    """Anonymous visitors, customers and agents: the admin sends them to its login page."""
    return {"anonymous": answer, "customer_a": answer, "agent": answer}


USERS = "/admin/accounts/user/"
# what → answers of supervisor and superuser; the others are sent to /admin/login/ (TOTP set-up first).
STAFF_ANSWERS: dict[tuple[str, str], tuple] = {
    ("list", "GET"): (200, 200),
    ("change B", "GET"): (200, 200),  # the supervisor's is read-only
    ("escalate B", "POST"): (403, USERS),
    ("escalate self", "POST"): (403, USERS),
    ("escalate staff", "POST"): (403, USERS),
    ("add", "GET"): (403, 200),
    ("add", "POST"): (403, USERS),  # then the new account's change page
    ("password B", "GET"): (403, 403),  # nobody sets another person's password
    ("password B", "POST"): (403, 403),
    ("password self", "POST"): (403, 403),
    ("delete B", "GET"): (403, 200),
    ("delete B", "POST"): (403, USERS),
    ("role changes", "GET"): (403, 200),
    ("groups", "GET"): (403, 200),
    ("group change", "POST"): (403, "/admin/auth/group/"),
}


def _expected(caller: str, what: str, method: str):
    if caller in ("anonymous", "customer_a", "agent"):
        return ADMIN_LOGIN
    if caller == "staff_without_totp":
        return TOTP
    supervisor, superuser = STAFF_ANSWERS[(what, method)]
    return supervisor if caller == "supervisor" else superuser


def test_the_admin_s_user_pages_answer_each_role_exactly_and_nobody_but_a_superuser_changes_access(world, superuser):
    failures = []
    for caller in CALLERS:
        caller_user = _caller_user(world, superuser, caller)
        for what, method, path, data in _user_pages(world, caller_user):
            targets = {"b": world.user_b, "own": caller_user or world.user_b, "staff": world.agent}
            if isinstance(data, str):
                data = _escalation(targets[data.split(":")[1]])
            watched = [world.user_b, world.agent, *([caller_user] if caller_user else [])]
            with transaction.atomic():
                before = [_state(user) for user in watched]
                client = Client()
                if caller_user is not None:
                    client.force_login(caller_user)
                response = client.get(path) if method == "GET" else client.post(path, data or {})
                after = [_state(user) if User.objects.filter(pk=user.pk).exists() else None for user in watched]
                changes = RoleChange.objects.filter(actor__isnull=False).count()
                group_perms = set(Group.objects.get(name=SUPERVISOR).permissions.values_list("codename", flat=True))
                transaction.set_rollback(True)
            expected, actual = _expected(caller, what, method), _answer(response)
            if not _matches(expected, actual):
                failures.append(f"{method} {path} ({what}) as {caller}: expected {expected}, got {actual}")
            if caller != "superuser":
                if before != after:
                    failures.append(f"{method} {path} ({what}) as {caller} changed an account: {before} → {after}")
                if changes or "manage_staff" in group_perms:
                    failures.append(f"{method} {path} ({what}) as {caller} changed roles or a role's permissions")
            elif method == "POST" and what.startswith("escalate") and not changes:
                failures.append(f"{method} {path} as superuser: the role change was not recorded")
    assert not failures, "\n".join(failures)


# Every model the admin shows: (list page, add page) for a supervisor and for a superuser. Anonymous
# visitors, customers and agents are sent to /admin/login/ for all of them. A new model admin must
# be added here, so that what each role can do with it is decided, not inherited.
ADMIN_MODELS: dict[str, tuple[tuple, tuple]] = {
    # label: ((supervisor list, supervisor add), (superuser list, superuser add))
    "accounts.user": ((200, 403), (200, 200)),
    "accounts.rolechange": ((403, 403), (200, 403)),
    "auth.group": ((403, 403), (200, 200)),
    "preferences.channel": ((200, 403), (200, 403)),
    "preferences.topic": ((200, 200), (200, 200)),
    "preferences.notice": ((200, 200), (200, 200)),
    "preferences.customer": ((200, 403), (200, 403)),
    "preferences.consentevent": ((200, 403), (200, 403)),
    "contact_requests.contactrequest": ((200, 403), (200, 403)),
    "contact_requests.servicelevel": ((200, 200), (200, 200)),
    # One row made by a migration: edited, never added a second time nor deleted.
    "contact_requests.supportteam": ((200, 403), (200, 403)),
    "support.reasoncode": ((200, 200), (200, 200)),
    # Asked and decided in the console only: a read-only record here, for supervisors.
    "privacy.datarightsapproval": ((200, 403), (200, 403)),
    # Supervisors manage API clients and keys (README); keys are made by an action, never added.
    "api.apiclient": ((200, 200), (200, 200)),
    "api.apikey": ((200, 403), (200, 403)),
    "api.send": ((403, 403), (200, 403)),
    "webhooks.webhookendpoint": ((200, 200), (200, 200)),
    "webhooks.webhookdelivery": ((200, 403), (200, 403)),
    "outbox.outboxevent": ((200, 403), (200, 403)),
    # allauth's own: a supervisor may not touch email addresses or authenticators.
    "account.emailaddress": ((403, 403), (200, 200)),
    "mfa.authenticator": ((403, 403), (200, 200)),
}


def test_every_admin_model_is_in_the_table():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS), (
        f"missing: {sorted(registered - set(ADMIN_MODELS))}, gone: {sorted(set(ADMIN_MODELS) - registered)}"
    )


def test_each_role_s_power_over_every_admin_model(world, superuser):
    failures = []
    for model in admin.site._registry:
        label = model._meta.label_lower
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for caller in CALLERS:
            caller_user = _caller_user(world, superuser, caller)
            client = Client()
            if caller_user is not None:
                client.force_login(caller_user)
            for index, path in enumerate((base, f"{base}add/")):
                if caller in ("anonymous", "customer_a", "agent"):
                    expected = ADMIN_LOGIN
                elif caller == "staff_without_totp":
                    expected = TOTP
                else:
                    expected = ADMIN_MODELS.get(label, ((None, None), (None, None)))[caller == "superuser"][index]
                actual = _answer(client.get(path))
                if not _matches(expected, actual):
                    failures.append(f"GET {path} as {caller}: expected {expected}, got {actual}")
    assert not failures, "\n".join(failures)
