"""OPTIONS on the API: the methods (Allow) and media types, never the developers' notes on the view."""

import pytest

from api.models import Scope
from api.services import api_client_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/customers/by-external-id/42/unsubscribe-links", "/api/v1/topics"])
def test_options_tells_methods_and_media_types_only(client, path):
    _client, key = api_client_create(name="crm", scopes=list(Scope.values))
    response = client.options(path, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert "GET" in response["Allow"]
    # DRF's default answered the view's class name and docstring ("api.views.CustomerUpsertView"…).
    assert response.json() == {"renders": ["application/json"], "parses": ["application/json"]}


def test_options_without_a_key_is_refused_as_any_method(client):
    response = client.options("/api/v1/customers")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
