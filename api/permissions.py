"""Scopes: each view names the scope every HTTP method needs."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import ApiClient


class HasScope(permissions.BasePermission):
    """The caller is an API client holding the scope the view requires for this method."""

    message = _("This API key does not have the scope this operation needs.")

    def has_permission(self, request, view) -> bool:
        client = request.user
        if not isinstance(client, ApiClient):
            return False
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 Method Not Allowed, which tells nothing about any object
        required = getattr(view, "required_scopes", {}).get(request.method)
        if required is None:  # HEAD and OPTIONS follow GET
            required = getattr(view, "required_scopes", {}).get("GET")
        return required is not None and client.has_scope(required)


def client_has_scope(request, scope: str) -> bool:
    return isinstance(request.user, ApiClient) and request.user.has_scope(scope)
