"""Scopes: each view names the scope every HTTP method needs."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from api.models import ApiClient, Scope


class MissingScope(exceptions.PermissionDenied):
    """403 that names the scope the key lacks (as `missing_scope` in the problem too), so that
    whoever configures the client knows what to add."""

    def __init__(self, *, scope: str):
        super().__init__(_("This API key lacks the scope %(scope)s, which this operation needs.") % {"scope": scope})
        self.missing_scope = scope


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
        if required is None:
            return False
        if not client.has_scope(required):
            raise MissingScope(scope=required)
        return True


def client_sees_personal_data(client: ApiClient) -> bool:
    """Whether answers to this client may carry personal values (addresses, names, free-text reasons)."""
    return client.has_scope(Scope.CONTACT_POINTS_READ)
