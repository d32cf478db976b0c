"""Hostile input to every API write endpoint and every HTML form of the site, found through the URL
conf: lone surrogates, deep nesting, bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, invalid UTF-8, NUL
characters. Not one answer may be a server error: the API says 400 or 413 (problem+json), the
site refuses the input or shows its form again.

Run with DEBUG off, as in production, and with a client that turns exceptions into 500 answers as
the server would (instead of raising them into the test). Each request runs in a savepoint that is
rolled back, so that one hostile request cannot change what the next one sees."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import resolve

from api.models import Scope
from api.services import api_client_create
from tests.security.urlconf import ADMIN_NAMESPACE, path_for, routes_all
from tests.security.world import World, world_build

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

HUGE = 3 * 1024 * 1024  # over Django's default DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
DEEP = 3000
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def world(db) -> World:
    return world_build()


def _in_savepoint(client: Client, method: str, path: str, body: bytes, **kwargs):
    with transaction.atomic():
        response = client.generic(method, path, body, **kwargs)
        transaction.set_rollback(True)
    return response


# --- The API ---------------------------------------------------------------------------------------


def _api_bodies(fields: list[str]) -> dict[str, bytes]:
    """Hostile JSON bodies, each aimed at the fields the operation declares (and at a key too)."""
    fields = fields or ["x"]
    surrogate = "{" + ", ".join(f'"{name}": "\\ud800"' for name in fields) + "}"
    nested = "[" * DEEP + "]" * DEEP
    return {
        "lone surrogate in values": surrogate.encode(),
        "lone surrogate in a list": ("{" + ", ".join(f'"{name}": ["\\udfff"]' for name in fields) + "}").encode(),
        "lone surrogate as a key": b'{"\\ud800": 1, "changes": {"\\udc00": "in"}}',
        "lone surrogate as the whole body": b'"\\ud800"',
        "deep nesting": ("{" + f'"{fields[0]}": {nested}' + "}").encode(),
        "deep nesting of objects": b'{"a": ' * DEEP + b"1" + b"}" * DEEP,
        "deep nesting, bare": b"[" * 100_000,
        "huge body": b'{"' + fields[0].encode() + b'": "' + b"x" * HUGE + b'"}',
        "invalid UTF-8": b'{"' + fields[0].encode() + b'": "\xff\xfe\xed\xa0\x80"}',
        "NUL characters": ("{" + ", ".join(f'"{name}": "a\\u0000b"' for name in fields) + "}").encode(),
        "not an object": b"[1, 2, 3]",
        "huge number": ("{" + f'"{fields[0]}": ' + "9" * 5000 + "}").encode(),
    }


def _api_write_operations(world: World) -> list[tuple[str, str, list[str]]]:
    """(method, path, body field names) of every API operation that takes a body, from the URL conf."""
    operations = []
    for route in routes_all():
        if route.namespace != "api" or route.name == "api:not-found":
            continue
        view = resolve(path_for(world, route)).func
        view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
        if view_class is None:
            continue
        for method in WRITE_METHODS:
            if hasattr(view_class, method.lower()):
                operations.append((method, path_for(world, route), _declared_fields(view_class, method)))
    return operations


def _declared_fields(view_class, method: str) -> list[str]:
    """The body fields the operation's schema declares (drf-spectacular's view of the view)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = _declared_fields.schema = getattr(_declared_fields, "schema", None) or SchemaGenerator().get_schema(public=True)
    for path, item in schema["paths"].items():
        operation = item.get(method.lower())
        if operation is None or operation.get("operationId") is None:
            continue
        if resolve(re.sub(r"\{[^}]+\}", "1", path)).func.__dict__.get("view_class") is not view_class:
            continue
        content = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
        ref = content.get("schema", {}).get("$ref", "")
        component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        return list(component.get("properties", {}))
    return []


@override_settings(DEBUG=False)
def test_no_api_write_endpoint_answers_hostile_input_with_a_server_error(world):
    _client, key = api_client_create(name="hostile", scopes=list(Scope.values), rate_limit_per_minute=1_000_000)
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {key}", "If-Match": '"1"', "Accept-Language": "en"}
    operations = _api_write_operations(world)
    assert len(operations) >= 10, operations  # every write endpoint, not a handful
    failures, answers = [], {}
    for method, path, fields in operations:
        for name, body in _api_bodies(fields).items():
            response = _in_savepoint(client, method, path, body, content_type="application/json", headers=headers)
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
            if response.status_code >= 500 or response["Content-Type"] != "application/problem+json" and response.status_code >= 400:
                failures.append(f"{method} {path} with {name}: {response.status_code} {response.content[:200]!r}")
            elif name == "huge body" and response.status_code not in (404, 413):
                failures.append(f"{method} {path} with a huge body: {response.status_code}, not 413")
    assert not failures, "\n".join(failures)
    assert answers.get(413) and answers.get(400)


@override_settings(DEBUG=False)
def test_hostile_query_strings_on_api_reads_are_not_server_errors(world):
    _client, key = api_client_create(name="hostile-reads", scopes=list(Scope.values), rate_limit_per_minute=1_000_000)
    client = Client(raise_request_exception=False)
    failures = []
    for route in routes_all():
        if route.namespace != "api":
            continue
        path = path_for(world, route)
        for query in ("topic=%ED%A0%80&channel=%FF", "limit=" + "9" * 400, "%00=%00", "after=-1&before=x", "a" * 5000 + "=1"):
            response = client.get(f"{path}?{query}", headers={"Authorization": f"Bearer {key}"})
            if response.status_code >= 500:
                failures.append(f"GET {path}?{query[:40]}: {response.status_code}")
    assert not failures, "\n".join(failures)


# --- The site's HTML forms ----------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: (action, field names); and its links that carry a query string
    (pages such as the console's override form are reached through them)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self.query_links: list[str] = []
        self._current: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        href = attrs.get("href") or ""
        if tag == "a" and href.startswith("/") and "?" in href and not href.startswith(("/api/", "/admin/")):
            self.query_links.append(href)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = (attrs.get("action") or "", [])
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea", "button") and self._current is not None and attrs.get("name"):
            if attrs["name"] not in self._current[1]:
                self._current[1].append(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _encode(pairs: list[tuple[str, bytes]]) -> bytes:
    """application/x-www-form-urlencoded, with values given as raw (possibly invalid) bytes."""
    def quote(raw: bytes) -> str:
        return "".join(chr(b) if chr(b).isalnum() else f"%{b:02X}" for b in raw)

    return "&".join(f"{quote(name.encode())}={quote(value)}" for name, value in pairs).encode()


FORM_VALUES = {
    "lone surrogate": "\ud800".encode("utf-8", "surrogatepass"),
    "invalid UTF-8": b"\xff\xfe\xc3",
    "NUL character": b"a\x00b",
    "deep nesting": b"[" * DEEP + b"]" * DEEP,
    "very long value": b"x" * 200_000,
}


def _web_callers(world: World) -> dict[str, object]:
    # B owns the objects in the paths (contact points, requests, exports): B sees those pages' forms.
    return {"anonymous": None, "customer_b": world.user_b, "agent": world.agent, "supervisor": world.supervisor}


def _site_paths(world: World) -> list[str]:
    return [path_for(world, route) for route in routes_all() if route.namespace not in ("api", ADMIN_NAMESPACE)]


def _forms_of_the_site(world: World) -> list[tuple[str, str, str, list[str]]]:
    """(caller, page, action, fields) of every POST form on every page the URL conf names, and on the
    pages their links with a query string lead to (a few per path)."""
    found, seen = [], set()
    for caller, user in _web_callers(world).items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        pages, visited, per_path = list(_site_paths(world)), set(), {}
        while pages:
            page = pages.pop(0)
            path = page.split("?")[0]
            if page in visited or per_path.get(path, 0) >= 6:
                continue
            visited.add(page)
            per_path[path] = per_path.get(path, 0) + 1
            response = client.get(page)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", "") or response.streaming:
                continue
            parser = _Forms()
            parser.feed(response.content.decode(errors="replace"))
            if "?" not in page:
                pages += parser.query_links
            for action, fields in parser.forms:
                target = urlsplit(urljoin(page, action)).path
                key = (caller, target, tuple(fields))
                if key not in seen:
                    seen.add(key)
                    found.append((caller, page, target, fields))
    return found


@override_settings(DEBUG=False)
def test_no_html_form_answers_hostile_input_with_a_server_error(world):
    forms = _forms_of_the_site(world)
    actions = {action for _caller, _page, action, _fields in forms}
    # Customer pages, allauth, the console and the one-click pages are all there.
    for expected in ("/accounts/login/", "/accounts/signup/", "/my/", "/support/", "/unsubscribe/",
                     f"/support/customers/{world.customer_b.pk}/override/"):
        assert any(action.startswith(expected) for action in actions), (expected, sorted(actions))
    users = _web_callers(world)
    failures, sent = [], 0
    for caller, page, action, fields in forms:
        client = Client(raise_request_exception=False)
        if users[caller] is not None:
            client.force_login(users[caller])
        bodies = {name: _encode([(field, value) for field in fields]) for name, value in FORM_VALUES.items()}
        bodies["huge body"] = _encode([(fields[0] if fields else "x", b"x" * HUGE)])
        bodies["too many fields"] = _encode([(f"f{index}", b"1") for index in range(1500)])
        for name, body in bodies.items():
            response = _in_savepoint(client, "POST", action, body, content_type="application/x-www-form-urlencoded")
            sent += 1
            if response.status_code >= 500:
                failures.append(f"POST {action} (form of {page}, as {caller}) with {name}: {response.status_code}")
    # Every other path of the site gets the same, with every field name seen on any form: a form that
    # no page showed to these callers (a verification code for a number already verified, say) too.
    every_field = sorted({field for _caller, _page, _action, fields in forms for field in fields})
    posted = {(caller, action) for caller, _page, action, _fields in forms}
    for caller, user in users.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for path in _site_paths(world):
            if (caller, path) in posted:
                continue
            for name in ("lone surrogate", "invalid UTF-8", "NUL character"):
                body = _encode([(field, FORM_VALUES[name]) for field in every_field])
                response = _in_savepoint(client, "POST", path, body, content_type="application/x-www-form-urlencoded")
                sent += 1
                if response.status_code >= 500:
                    failures.append(f"POST {path} (as {caller}) with {name} in every field: {response.status_code}")
    assert sent > 500
    assert not failures, "\n".join(failures)


@override_settings(DEBUG=False)
def test_a_lone_surrogate_in_a_form_field_is_refused_not_a_500(world, client):
    """The one reported by hand: the sign-in form with a surrogate (as UTF-8 would carry it) in the email."""
    body = _encode([("login", "\ud800@example.com".encode("utf-8", "surrogatepass")), ("password", b"\xed\xa0\x80")])
    response = Client(raise_request_exception=False).post("/accounts/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200  # the form again, with its error


@override_settings(DEBUG=False)
def test_a_hostile_next_on_a_console_form_is_not_a_500(world):
    """Found by the test above: `next` that is no path made redirect() look it up as a view name."""
    client = Client(raise_request_exception=False)
    client.force_login(world.agent)
    path = f"/support/requests/{world.b_contact_request_id}/assign/"
    for target in ("\ufffd", "abc", "a\x00b", "//evil.example.com/", "/support/"):
        response = client.post(path, {"next": target})
        assert response.status_code == 302, (target, response.status_code)
        assert response["Location"].startswith("/support/"), (target, response["Location"])


def test_the_api_bodies_are_what_they_claim():
    bodies = _api_bodies(["topic"])
    with pytest.raises(RecursionError):
        json.loads(bodies["deep nesting"])
    assert len(bodies["huge body"]) > HUGE
    assert "\ud800" in json.loads(bodies["lone surrogate in values"])["topic"]
