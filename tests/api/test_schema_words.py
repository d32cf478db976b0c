"""The OpenAPI schema speaks to integrators, in English: whatever language the request asks for, and with
no developer note (a view's docstring) as an operation's description."""

import inspect

import pytest
import yaml
from django.urls import get_resolver

from api.views import ApiView

# Words of the French catalogue that an English schema never holds (enum labels, model help texts).
FRENCH_MARKERS = ("rédigés", "Les messages", "courriel", "Autorisé", " l’IA", "é")


def _schema(client, **headers) -> dict:
    response = client.get("/api/schema/", headers=headers)
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _texts(value, path="$"):
    """(path, string) for every string in the schema."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def _french(schema: dict) -> dict[str, str]:
    return {
        path: text
        for path, text in _texts(schema)
        if any(marker in text for marker in FRENCH_MARKERS) and ".example" not in path and ".examples" not in path
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Accept-Language": "fr"}, {"Accept-Language": "fr-FR,fr;q=0.9"}, {"Accept-Language": "en"}],
)
def test_the_schema_is_english_whatever_the_request_asks(client, db, headers):
    schema = _schema(client, **headers)
    ai_level = schema["components"]["schemas"]["AiLevel"]["description"]
    assert "AI-written content may be sent" in ai_level or "ai_allowed" in ai_level
    assert _french(schema) == {}
    # The answer says the language it is in: it said French (the site's default) over this English text.
    assert client.get("/api/schema/", headers=headers)["Content-Language"] == "en"


def test_the_site_language_cookie_does_not_turn_the_schema_french(client, db):
    client.cookies["django_language"] = "fr"
    assert _french(_schema(client)) == {}
    assert _french(yaml.safe_load(client.get("/api/schema/", {"lang": "fr"}).content)) == {}


def _api_view_docstrings() -> set[str]:
    """Every docstring of the API's view classes and their methods (cleaned as drf-spectacular cleans them)."""
    docs = {inspect.cleandoc(ApiView.__doc__)}
    patterns = list(get_resolver().url_patterns)
    while patterns:
        pattern = patterns.pop()
        if hasattr(pattern, "url_patterns"):
            patterns.extend(pattern.url_patterns)
            continue
        view_class = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        if view_class is None or not issubclass(view_class, ApiView):
            continue
        for cls in view_class.__mro__:
            if cls.__doc__:
                docs.add(inspect.cleandoc(cls.__doc__))
        for name in ("get", "post", "patch", "put", "delete"):
            method = getattr(view_class, name, None)
            if method is not None and method.__doc__:
                docs.add(inspect.cleandoc(method.__doc__))
    return docs


def test_no_operation_is_described_by_a_developer_docstring(client, db):
    schema = _schema(client)
    docstrings = _api_view_docstrings()
    described = {
        operation["operationId"]: operation.get("description", "")
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    notes = {
        operation_id: description
        for operation_id, description in described.items()
        if "api." in description or "Every API view" in description or description.strip() in docstrings
    }
    assert notes == {}
    # The descriptions given on purpose (extend_schema's description=) are still there.
    assert described["contact_plans_decide"].startswith("For one customer or up to 1,000")
    assert described["webhook_endpoint_create"].startswith("Deliveries are signed as Standard Webhooks says")
